// renrakucho: small additions on top of pages that work without it.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so keyboard and screen-reader users
  // land on the list of problems after a failed submission.
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.focus();
  }
  // A summary link focuses its field, not just scrolls to it.
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      var target = document.getElementById(a.getAttribute("href").slice(1));
      if (!target) {
        return;
      }
      var field = target.matches("input, select, textarea") ? target : target.querySelector("input, select, textarea");
      if (field) {
        ev.preventDefault();
        field.focus();
        field.scrollIntoView({ block: "center" });
      }
    });
  });
});
