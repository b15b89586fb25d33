// Passkeys (WebAuthn): the one step of the second factor that needs
// JavaScript. A section marked data-passkey="register" or "login" shows
// itself where the browser supports WebAuthn; its button asks the server
// for the ceremony's options, runs it, and posts the answer back.
(function () {
  "use strict";

  function b64urlToBuf(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), buf = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    return buf.buffer;
  }

  function bufToB64url(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64urlToBuf(pk.challenge);
    pk.user.id = b64urlToBuf(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = b64urlToBuf(c.id); });
    return o;
  }

  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = b64urlToBuf(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = b64urlToBuf(c.id); });
    return o;
  }

  function credentialJSON(c) {
    var r = c.response, out = {
      id: c.id, rawId: bufToB64url(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: { clientDataJSON: bufToB64url(r.clientDataJSON) }
    };
    if (r.attestationObject) {
      out.response.attestationObject = bufToB64url(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = bufToB64url(r.authenticatorData);
      out.response.signature = bufToB64url(r.signature);
      if (r.userHandle) out.response.userHandle = bufToB64url(r.userHandle);
    }
    if (c.authenticatorAttachment) out.authenticatorAttachment = c.authenticatorAttachment;
    return out;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? "" : JSON.stringify(body)
    });
  }

  function setup(section) {
    var kind = section.getAttribute("data-passkey");
    var button = section.querySelector(".passkey-start");
    var error = section.querySelector(".passkey-error");
    section.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      error.hidden = true;
      post(section.getAttribute("data-options")).then(function (res) {
        if (!res.ok) throw new Error("options " + res.status);
        return res.json();
      }).then(function (opts) {
        return kind === "register" ?
          navigator.credentials.create(creationOptions(opts)) :
          navigator.credentials.get(requestOptions(opts));
      }).then(function (cred) {
        var url = section.getAttribute("data-finish");
        var name = section.querySelector(".passkey-name");
        if (name && name.value) url += "?name=" + encodeURIComponent(name.value);
        return post(url, credentialJSON(cred));
      }).then(function (res) {
        return res.json().then(function (body) {
          if (body.next) { window.location.assign(body.next); return; }
          throw new Error("finish " + res.status);
        });
      }).catch(function () {
        error.hidden = false;
        button.disabled = false;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential || !navigator.credentials) return;
    var sections = document.querySelectorAll("[data-passkey]");
    for (var i = 0; i < sections.length; i++) setup(sections[i]);
  });
})();
