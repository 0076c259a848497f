/* The map's markers: fetched as GeoJSON, clustered, one colour and symbol per type, popups built
   as DOM nodes (text only, never HTML from the data). */
(function () {
  "use strict";

  function text(tag, value, className) {
    var node = document.createElement(tag);
    node.textContent = value;
    if (className) { node.className = className; }
    return node;
  }

  function popup(p) {
    var box = document.createElement("div");
    box.className = "map-popup";
    box.appendChild(text("strong", p.nom));
    if (p.sigle && p.sigle !== p.nom) { box.appendChild(text("span", " (" + p.sigle + ")")); }
    box.appendChild(text("p", "Type : " + p.type));
    if (p.commune) { box.appendChild(text("p", "Commune : " + p.commune)); }
    var link = text("a", "Voir la fiche");
    link.href = p.url;
    link.className = "map-popup-link";
    box.appendChild(link);
    return box;
  }

  function icon(p) {
    var badge = text("span", p.symbole, "map-marker-symbol");
    badge.style.backgroundColor = p.couleur;
    // The node itself, coloured through its style property: markup with a style attribute
    // would be refused by the Content-Security-Policy (no 'unsafe-inline').
    return L.divIcon({
      className: "map-marker",
      html: badge,
      iconSize: [34, 22],
      iconAnchor: [17, 11],
      popupAnchor: [0, -11]
    });
  }

  function load(map, group, url) {
    var container = map.getContainer();
    container.setAttribute("aria-busy", "true");
    fetch(url, {headers: {"Accept": "application/geo+json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        var markers = data.features.map(function (feature) {
          var c = feature.geometry.coordinates;
          var p = feature.properties;
          var marker = L.marker([c[1], c[0]], {icon: icon(p), title: p.nom, alt: p.nom});
          marker.bindPopup(function () { return popup(p); });
          return marker;
        });
        group.addLayers(markers);
        container.setAttribute("data-markers", String(markers.length));
      })
      .catch(function () {
        container.setAttribute("data-markers", "erreur");
      })
      .finally(function () {
        container.removeAttribute("aria-busy");
      });
  }

  window.directoryMap = {load: load};
})();
