// Portal Layanan: small progressive enhancements on top of htmx. The site works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js"); // shows what needs JavaScript (.js-only)
  var body = document.body;
  function announce(message) {
    var live = document.getElementById("live");
    if (!live || !message) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = message; }, 50);
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target) target.setAttribute("aria-busy", "false");
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    // A submitted form came back with errors: move to its summary, which lists and links them.
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var errors = source && source.tagName === "FORM" && document.querySelector(".error-summary");
    if (errors) { errors.focus(); return; }
    var summary = event.detail.target && event.detail.target.querySelector("[data-announce], .result-summary");
    announce(summary ? summary.textContent.trim() : body.dataset.msgUpdated);
  });
  document.addEventListener("htmx:responseError", function (event) {
    // A 4xx/5xx is not swapped by htmx: show the server's message page instead of failing silently.
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.status < 500 && event.detail.requestConfig && event.detail.requestConfig.verb === "get") {
      window.location.href = event.detail.pathInfo.finalRequestPath || event.detail.pathInfo.requestPath;
      return;
    }
    announce(body.dataset.msgError);
  });
  document.addEventListener("htmx:sendError", function () { announce(body.dataset.msgError); });
})();
