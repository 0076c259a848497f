/* The map's markers: fetched as GeoJSON, clustered, one colour and symbol per type, popups built
   as DOM nodes (text only, never HTML from the data). */
(function () {
  "use strict";

  // Leaflet's own labels, in French (this script loads before any map is built).
  if (window.L) {
    L.Control.Zoom.prototype.options.zoomInTitle = "Zoom avant";
    L.Control.Zoom.prototype.options.zoomOutTitle = "Zoom arrière";
  }

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

  // A cluster says how many fiches it holds, not only a number (its name as a button).
  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var label = document.createElement("span");
    label.textContent = String(count);
    label.appendChild(text("span", " fiches regroupées, Entrée pour zoomer", "visually-hidden"));
    return L.divIcon({
      html: "<div>" + label.outerHTML + "</div>",
      className: "marker-cluster marker-cluster-" + size,
      iconSize: new L.Point(40, 40)
    });
  }

  // Keyboard: Entrée on a cluster zooms into it, then the focus goes to the first marker or
  // cluster shown (the one pressed has left the page); a popup takes the focus when it opens
  // and gives it back to its marker when it closes (Échap).
  function keyboard(map, group) {
    group.on("clusterkeypress", function (event) {
      var key = event.originalEvent.key;
      if (key !== "Enter" && key !== " ") { return; }
      event.originalEvent.preventDefault();
      map.once("zoomend", function () {
        setTimeout(function () {
          var first = map.getPane("markerPane").querySelector("[tabindex='0']");
          if (first) { first.focus(); }
        }, 300);  // after the clusters' animation
      });
      event.layer.zoomToBounds({padding: [20, 20]});
    });
  }

  function accessibleMarker(marker, p) {
    marker.on("add", function () {
      // The visible symbol first: a button's name must contain its visible text (WCAG 2.5.3).
      marker.getElement().setAttribute("aria-label", p.symbole + " : " + p.nom);
    });
    marker.on("popupopen", function (event) {
      var node = event.popup.getElement();
      if (!node.hasAttribute("data-keyboard")) {
        // Leaflet hears Échap only while the map itself has the focus, not its popup.
        node.setAttribute("data-keyboard", "");
        node.addEventListener("keydown", function (key) {
          if (key.key === "Escape") { marker.closePopup(); }
        });
      }
      var close = node.querySelector(".leaflet-popup-close-button");
      if (close) { close.setAttribute("aria-label", "Fermer"); }
      node.querySelector("a.map-popup-link").focus({preventScroll: true});
    });
    marker.on("popupclose", function () {
      var icon = marker.getElement();
      if (icon) { icon.focus({preventScroll: true}); }
    });
  }

  function load(map, group, url) {
    var container = map.getContainer();
    container.setAttribute("aria-busy", "true");
    group.options.iconCreateFunction = clusterIcon;
    keyboard(map, group);
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
          accessibleMarker(marker, p);
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
