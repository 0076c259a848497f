/* After a form is refused, the focus goes to its error summary (otherwise it stays at the top of
   the page and a keyboard or screen reader user hears nothing of the errors); each link of the
   summary then takes the focus to its field, not only the scroll. */
(function () {
  "use strict";

  function focusable(target) {
    if (target.matches("input, select, textarea, button")) { return target; }
    return target.querySelector("input:not([type=hidden]), select, textarea");
  }

  function setup() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      var field = target && focusable(target);
      if (!field) { return; }
      event.preventDefault();
      var details = field.closest("details");
      if (details) { details.open = true; }
      var label = document.querySelector("label[for='" + field.id + "']") || target;
      label.scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
