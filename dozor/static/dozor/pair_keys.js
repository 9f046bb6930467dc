// The review queue by keyboard: on the pair page, a letter decides the pair (or skips it) and the
// next pair replaces this one without leaving the page.
//
// Nothing here decides anything: a key presses the button or follows the link that carries it
// (data-key), and the page makes the same request a click would make, the decision form's POST
// with its CSRF token or the link's GET. The server answers as it does without script, with the
// next pair's page (a redirect after a decision), whose <main> then takes the place of this one.
// Keys are read by their place on the keyboard (event.code), so they work in any layout.
(function () {
  "use strict";

  var busy = false;

  function swap(html, url, remember) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var fresh = page.querySelector("main");
    var current = document.querySelector("main");
    if (!fresh || !current) {
      window.location.assign(url);
      return;
    }
    current.replaceWith(document.adoptNode(fresh));
    document.title = page.title;
    if (remember) {
      window.history.pushState({ pairKeys: true }, "", url);
    }
    var heading = fresh.querySelector("h1");
    if (heading) {
      heading.focus();
    }
  }

  function load(url, options, fallback) {
    busy = true;
    options.credentials = "same-origin";
    options.headers = { Accept: "text/html" };
    window
      .fetch(url, options)
      .then(function (response) {
        return response.text().then(function (html) {
          swap(html, response.url || url, true);
        });
      })
      .catch(fallback)
      .finally(function () {
        busy = false;
      });
  }

  function press(control) {
    if (control.tagName === "A") {
      load(control.href, { method: "GET" }, function () {
        window.location.assign(control.href);
      });
      return;
    }
    var form = control.form;
    var data = new FormData(form);
    data.append(control.name, control.value);
    load(form.action, { method: "POST", body: data }, function () {
      control.click();
    });
  }

  document.addEventListener("keydown", function (event) {
    if (busy || event.defaultPrevented || event.repeat) {
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    var target = event.target;
    if (target instanceof Element && target.closest("input, textarea, select, [contenteditable]")) {
      return;
    }
    var review = document.querySelector("main .pair-review");
    var code = event.code || "";
    if (!review || code.indexOf("Key") !== 0) {
      return;
    }
    var control = review.querySelector('[data-key="' + code.slice(3) + '"]');
    if (!control) {
      return;
    }
    event.preventDefault();
    press(control);
  });

  // Back and forward after pairs were replaced in place: show the page of the address.
  window.addEventListener("popstate", function () {
    window.location.reload();
  });
})();
