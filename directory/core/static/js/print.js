/* « Imprimer » buttons (data-print): a script file, since the CSP refuses inline handlers. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
