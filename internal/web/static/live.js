// renrakucho: live updates on top of pages that work without them.
//
// A page that wants them carries one [data-live-root] element (the
// "live" partial): where the event stream is, where the unread badges
// come from, and the messages to announce. The script listens to the
// server-sent events of /api/v1/events, which carry IDs only, and fetches
// what changed as HTML fragments the server renders and escapes:
//   [data-live=timeline][data-src]  the newest posts of a contact book or
//                                    board: new ones go on top, changed
//                                    ones are replaced;
//   [data-live=comments][data-src]  a post's comments;
//   [data-live=reads][data-src]     who has and has not read a post;
//   [data-badge-for]                unread counts, from the root's
//                                    data-badges fragment.
// Whatever it inserts or changes gets the class live-new for a moment.
// The root's data-live-state says "open" once the stream is connected, so
// a test can wait for it.
"use strict";

(function () {
  var root = document.querySelector("[data-live-root]");
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var me = root.getAttribute("data-me");
  var timers = {};

  function esc(s) {
    return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/[^A-Za-z0-9_-]/g, "");
  }

  // announce tells screen-reader users what changed (root is role=status).
  function announce(attr) {
    var msg = root.getAttribute(attr);
    if (!msg) {
      return;
    }
    root.textContent = "";
    setTimeout(function () { root.textContent = msg; }, 100);
  }

  function flash(el) {
    el.classList.remove("live-new");
    void el.offsetWidth; // restart the animation
    el.classList.add("live-new");
  }

  // fragment fetches a fragment and returns its top element.
  function fragment(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } }).then(function (res) {
      // A redirect is the login page: the session ended.
      if (!res.ok || res.redirected) {
        throw new Error("live: " + url + ": " + res.status);
      }
      return res.text();
    }).then(function (html) {
      var body = new DOMParser().parseFromString(html, "text/html").body;
      return body.firstElementChild || body;
    });
  }

  // soon runs fn once for a burst of events about the same thing.
  function soon(key, fn) {
    if (timers[key]) {
      return;
    }
    timers[key] = setTimeout(function () {
      delete timers[key];
      fn();
    }, 150);
  }

  function replaceChildren(el, from) {
    while (el.firstChild) {
      el.removeChild(el.firstChild);
    }
    Array.prototype.slice.call(from.childNodes).forEach(function (n) {
      el.appendChild(document.importNode(n, true));
    });
  }

  function ids(el, attr) {
    var out = {};
    el.querySelectorAll("[" + attr + "]").forEach(function (n) { out[n.getAttribute(attr)] = true; });
    return out;
  }

  // A post item changed when its version, counts or read state did.
  function changed(a, b) {
    return ["data-version", "data-comments", "data-reads", "class"].some(function (k) {
      return a.getAttribute(k) !== b.getAttribute(k);
    });
  }

  function refreshTimeline(box) {
    var src = box.getAttribute("data-src");
    soon("timeline " + src, function () {
      fragment(src).then(function (frag) {
        var first = box.firstElementChild;
        var added = 0;
        Array.prototype.slice.call(frag.children).forEach(function (item) {
          var id = item.getAttribute("data-post-id");
          var old = box.querySelector(":scope > [data-post-id=\"" + esc(id) + "\"]");
          var node = document.importNode(item, true);
          if (old) {
            if (changed(old, node)) {
              box.replaceChild(node, old);
              if (old === first) {
                first = node;
              }
            }
            return;
          }
          // Not on the page: newer than everything on it (the fragment
          // holds fewer posts than the page shows).
          box.insertBefore(node, first);
          flash(node);
          added++;
        });
        if (added) {
          var empty = box.querySelector(":scope > [data-empty]");
          if (empty) {
            empty.remove();
          }
          announce("data-msg-post");
        }
      }).catch(function () {});
    });
  }

  function refreshList(box, attr, msg) {
    var src = box.getAttribute("data-src");
    soon("list " + src, function () {
      fragment(src).then(function (frag) {
        var before = ids(box, attr);
        var wrap = document.createElement("div");
        wrap.appendChild(document.importNode(frag, true));
        replaceChildren(box, wrap);
        var fresh = 0;
        box.querySelectorAll("[" + attr + "]").forEach(function (n) {
          if (!before[n.getAttribute(attr)]) {
            flash(n);
            fresh++;
          }
        });
        if (fresh) {
          announce(msg);
        }
      }).catch(function () {});
    });
  }

  function refreshBadges() {
    soon("badges", function () {
      fragment(root.getAttribute("data-badges")).then(function (frag) {
        var fresh = {};
        frag.querySelectorAll("[data-badge-for]").forEach(function (n) { fresh[n.getAttribute("data-badge-for")] = n; });
        document.querySelectorAll("[data-badge-for]").forEach(function (el) {
          var n = fresh[el.getAttribute("data-badge-for")];
          var html = n ? n.innerHTML : "";
          if (el.innerHTML !== html) {
            replaceChildren(el, n || document.createElement("span"));
            if (n) {
              flash(el);
            }
          }
        });
      }).catch(function () {});
    });
  }

  function each(selector, fn) {
    document.querySelectorAll(selector).forEach(fn);
  }

  function timelinesOf(ev) {
    var sel = ev.resident_id ? "[data-live=timeline][data-resident-id=\"" + esc(ev.resident_id) + "\"]" :
      "[data-live=timeline][data-group-id=\"" + esc(ev.group_id) + "\"]";
    return Array.prototype.filter.call(document.querySelectorAll(sel), function (box) {
      return !box.hasAttribute("data-paged");
    });
  }

  // Timelines that show the post (its counts or read state changed).
  function timelinesWith(postID) {
    var out = [];
    each("[data-live=timeline]", function (box) {
      if (box.querySelector(":scope > [data-post-id=\"" + esc(postID) + "\"]")) {
        out.push(box);
      }
    });
    return out;
  }

  var handlers = {
    "post.created": function (ev) {
      timelinesOf(ev).forEach(refreshTimeline);
      if (ev.user_id !== me) {
        refreshBadges();
      }
    },
    "post.updated": function (ev) {
      timelinesWith(ev.post_id).forEach(refreshTimeline);
    },
    "post.deleted": function (ev) {
      timelinesWith(ev.post_id).forEach(refreshTimeline);
      refreshBadges();
    },
    "comment.created": function (ev) {
      each("[data-live=comments][data-post-id=\"" + esc(ev.post_id) + "\"]", function (box) {
        refreshList(box, "data-comment-id", "data-msg-comment");
      });
      timelinesWith(ev.post_id).forEach(refreshTimeline);
    },
    // Someone opened a resident of the reader's teams under break-glass
    // (or the reader is a tenant admin): a warning at the top of the page,
    // whose reload shows the notice with the reason.
    "breakglass.opened": function () {
      var main = document.querySelector("main");
      if (!main || main.querySelector("[data-breakglass-live]")) {
        return;
      }
      var box = document.createElement("div");
      box.className = "notice notice--warn live-new";
      box.setAttribute("role", "alert");
      box.setAttribute("data-breakglass-live", "");
      var p = document.createElement("p");
      p.textContent = root.getAttribute("data-msg-breakglass") + " ";
      var a = document.createElement("a");
      a.href = window.location.pathname + window.location.search;
      a.textContent = root.getAttribute("data-msg-reload");
      p.appendChild(a);
      box.appendChild(p);
      main.insertBefore(box, main.firstChild);
    },
    "post.read": function (ev) {
      each("[data-live=reads][data-post-id=\"" + esc(ev.post_id) + "\"]", function (box) {
        refreshList(box, "data-read-by", "data-msg-read");
      });
      timelinesWith(ev.post_id).forEach(refreshTimeline);
      if (ev.user_id === me) {
        refreshBadges();
      }
    }
  };

  // After the stream was down, catch up on what it missed.
  function catchUp() {
    each("[data-live=timeline]", function (box) {
      if (!box.hasAttribute("data-paged")) {
        refreshTimeline(box);
      }
    });
    each("[data-live=comments]", function (box) { refreshList(box, "data-comment-id", "data-msg-comment"); });
    each("[data-live=reads]", function (box) { refreshList(box, "data-read-by", "data-msg-read"); });
    refreshBadges();
  }

  var down = false;
  root.setAttribute("data-live-state", "connecting");
  var es = new EventSource(root.getAttribute("data-events"));
  es.addEventListener("open", function () {
    root.setAttribute("data-live-state", "open");
    if (down) {
      down = false;
      catchUp();
    }
  });
  es.addEventListener("error", function () {
    down = true;
    // A refused stream (the session ended) is not retried by the browser.
    root.setAttribute("data-live-state", es.readyState === EventSource.CLOSED ? "closed" : "connecting");
  });
  Object.keys(handlers).forEach(function (kind) {
    es.addEventListener(kind, function (e) {
      var ev;
      try {
        ev = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      handlers[kind](ev);
    });
  });
})();
