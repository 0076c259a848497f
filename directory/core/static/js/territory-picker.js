// Territory picker of the fiche form: suggests communes and EPCI as the editor types.
// Progressive enhancement: without this script, the typed names are matched by the server.
(function () {
  "use strict";
  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var url = input.getAttribute("data-suggest");
    var timer = null;
    if (!list || !url) { return; }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2) { return; }
      timer = setTimeout(function () {
        fetch(url + "?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (items) {
            list.textContent = "";
            items.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* offline or server error: the server still matches names */ });
      }, 150);
    });
  }
  document.querySelectorAll("input[data-suggest]").forEach(attach);
})();
