
(function () {
  'use strict';
  if (window.geoWebmap) { return; }
  var STATE = window.geoWebmapState = window.geoWebmapState || {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function fold(s) {
    return String(s).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  }
  function changesAt(t, pos) {
    var code = t.length ? t[0][1] : 0;
    for (var i = 0; i < t.length && t[i][0] <= pos; i++) { code = t[i][1]; }
    return code;
  }

  window.geoWebmap = function (mapName, dataId) {
    var map = window[mapName];
    var D = JSON.parse(document.getElementById(dataId).textContent);
    var tilesEl = document.getElementById(dataId + '-tiles');
    var TILES = tilesEl ? JSON.parse(tilesEl.textContent) : [];
    var baseEl = document.getElementById(dataId + '-base');
    var BASE = baseEl ? JSON.parse(baseEl.textContent) : null;
    var CHANGES = D.timeline.changes;
    var STATUS = {}, STATUS_BY_CODE = [];
    D.statuses.forEach(function (s) {
      var o = {key: s[0], marker: s[1], color: s[2], label: s[3]};
      STATUS[s[0]] = o; STATUS_BY_CODE.push(o);
    });
    function status(key) { return STATUS[key] || STATUS.none; }
    function kind(key) { return D.kinds[key] || ['question', String(key).replace(/_/g, ' ')]; }
    function countryName(code) { return code ? (D.countryNames[code] || code) : ''; }
    var lastPos = D.timeline.dates.length - 1, pos = lastPos;
    var docFilter = -1, onlyNamed = false;
    // A document's mentions show once the time control reaches its date, and only the
    // chosen document's with the document filter.
    function docVisible(d) {
      if (docFilter >= 0 && d !== docFilter) { return false; }
      var from = D.docs[d][5];
      return !from || from <= D.timeline.dates[pos];
    }
    function anyDoc(list) {
      if (!list) { return false; }
      for (var j = 0; j < list.length; j++) { if (docVisible(list[j])) { return true; } }
      return false;
    }

    map.createPane('geoBase').style.zIndex = 250;
    map.createPane('geoCountries').style.zIndex = 350;
    map.createPane('geoPlaces').style.zIndex = 450;

    // ---------------------------------------------------------------- base layers
    var baseLayers = {}, overlays = {};
    var baseStyle = {fillColor: '#efe9dc', fillOpacity: 1, color: '#9b9b9b', weight: 0.6};
    var natural = L.layerGroup();
    if (BASE) {
      L.geoJSON(BASE, {style: baseStyle, interactive: false, pane: 'geoBase'}).addTo(natural);
    }
    baseLayers['Natural Earth countries (offline)'] = natural;
    var tileOn = null;
    TILES.forEach(function (t) {
      var opts = {attribution: t.attribution, maxZoom: t.maxZoom || 19};
      if (t.subdomains) { opts.subdomains = t.subdomains; }
      var layer = L.tileLayer(t.url, opts);
      baseLayers[esc(t.name)] = layer;
      if (t.show) { tileOn = layer; }
    });
    (tileOn || natural).addTo(map);

    // ---------------------------------------------------------------- popups
    function row(table, label, content) {
      var tr = el('tr'); tr.appendChild(el('th', null, label));
      var td = el('td'); if (typeof content === 'string') { td.textContent = content; }
      else if (content) { td.appendChild(content); }
      tr.appendChild(td); table.appendChild(tr); return td;
    }
    function badge(key) {
      var st = typeof key === 'number' ? STATUS_BY_CODE[key] : status(key);
      key = st.key;
      var b = el('span', 'geo-badge', st.label);
      b.style.background = st.color;
      if (key === 'proposed' || key === 'none') { b.style.color = '#333'; }
      return b;
    }
    var DATE_EVENTS = {signed: 'signed', approved: 'approved',
      entered_into_force: 'in force', ended: 'ended'};
    function citeDoc(doc) {
      // "— outlet · date · title" with the title linked to the article (http(s) only).
      var cite = el('cite', 'geo-doc', '\u2014 ');
      var parts = [];
      if (doc[3]) { parts.push(doc[3]); }
      if (doc[2]) { parts.push(doc[2]); }
      cite.appendChild(document.createTextNode(parts.join(' \u00b7 ') + (parts.length ? ' \u00b7 ' : '')));
      var label = doc[1] || doc[0];
      if (doc[4] >= 0) {
        var a = el('a', 'geo-doc-link', label);
        a.href = D.docUrls[doc[4]]; a.target = '_blank'; a.rel = 'noopener noreferrer';
        cite.appendChild(a);
      } else { cite.appendChild(document.createTextNode(label)); }
      return cite;
    }
    function quotesBlock(root, quotes) {
      var hidden = 0;
      (quotes || []).forEach(function (q) {
        if (!docVisible(q[0])) { hidden += 1; return; }
        var doc = D.docs[q[0]], text = D.sentences[q[1]], bq = el('blockquote', 'geo-quote');
        if (q[2] >= 0) {
          bq.appendChild(document.createTextNode(text.slice(0, q[2])));
          bq.appendChild(el('mark', null, text.slice(q[2], q[3])));
          bq.appendChild(document.createTextNode(text.slice(q[3])));
        } else { bq.appendChild(document.createTextNode(text)); }
        bq.appendChild(citeDoc(doc));
        root.appendChild(bq);
      });
      if (hidden) {
        root.appendChild(el('div', 'geo-dates', hidden + (hidden === 1 ? ' quote' : ' quotes') +
          ' hidden by the time control or the document filter'));
      }
    }
    function mentionsText(m, dc) {
      m = m || 0; dc = dc || 0;
      if (!m) { return 'not named in the documents'; }
      return m + (m === 1 ? ' mention' : ' mentions') + ' in ' + dc +
        (dc === 1 ? ' document' : ' documents');
    }
    function reportedText(rp) {  // [first, last] dates of the documents naming it
      return rp[0] === rp[1] ? String(rp[0]) : rp[0] + ' to ' + rp[1];
    }
    function fmtLatLon(ll) {
      var lat = ll[0], lon = ll[1];
      return Math.abs(lat).toFixed(4) + '\u00b0' + (lat >= 0 ? 'N' : 'S') + ', ' +
        Math.abs(lon).toFixed(4) + '\u00b0' + (lon >= 0 ? 'E' : 'W');
    }
    function sitePopup(i) {
      var s = D.sites[i], root = el('div', 'geo-popup');
      root.dataset.site = s.i;
      root.appendChild(el('div', 'geo-popup-title', s.n));
      root.appendChild(el('div', 'geo-popup-sub', kind(s.k)[1] + ' \u00b7 ' + countryName(s.c)));
      var table = el('table');
      var host = countryName(s.c) + (s.c ? ' (' + s.c + ')' : '');
      if (s.h && s.h !== s.c) { host += ' \u2014 agreement host ' + countryName(s.h); }
      row(table, 'Host country', host);
      var partners = s.pa || [];
      if (!s.pa) {
        s.a.forEach(function (a) {
          var p = D.agreements[a[0]].p;
          if (p && partners.indexOf(p) < 0) { partners.push(p); }
        });
      }
      if (partners.length) { row(table, 'Partner', partners.map(countryName).join(', ')); }
      var ul = el('ul', 'geo-agreements');
      s.a.forEach(function (a) {
        var ag = D.agreements[a[0]], li = el('li');
        li.appendChild(el('span', 'geo-agreement-name', ag.n));
        li.appendChild(badge(a[2]));
        var ins = ag.ins[a[1]] || ag.ins[0];
        var dates = [];
        if (ins) {
          if (a[1] > 0) { li.appendChild(el('div', 'geo-dates', 'added by ' + ins.n)); }
          ins.ev.forEach(function (e) {
            if (DATE_EVENTS[e[0]]) { dates.push(DATE_EVENTS[e[0]] + ' ' + e[1]); }
          });
        }
        if (dates.length) { li.appendChild(el('div', 'geo-dates', dates.join(' \u00b7 '))); }
        ul.appendChild(li);
      });
      if (!s.a.length) { ul.appendChild(el('li', null, 'none recorded')); }
      row(table, 'Agreements', ul);
      var st = STATUS_BY_CODE[changesAt(CHANGES[s.t], pos)] || status(s.s);
      var stTd = row(table, pos === lastPos ? 'Status' : 'Status ' + D.timeline.dates[pos], null);
      stTd.appendChild(badge(st.key));
      var where = s.ll ? fmtLatLon(s.ll) : 'not known: no source publishes a point';
      if (s.ll && s.pr) { where += ' (' + String(s.pr).replace(/_/g, ' ') + ')'; }
      row(table, 'Coordinates', where);
      row(table, 'Mentions', mentionsText(s.m, s.dc));
      if (s.rp) { row(table, 'Reported', reportedText(s.rp)); }
      root.appendChild(table);
      quotesBlock(root, s.q);
      if (s.u !== undefined) {
        var a = el('a', 'geo-source', 'source');
        a.href = D.urls[s.u]; a.target = '_blank'; a.rel = 'noopener noreferrer';
        var p = el('div', 'geo-dates'); p.appendChild(a); root.appendChild(p);
      }
      return root;
    }
    function placePopup(i) {
      var p = D.places[i], root = el('div', 'geo-popup');
      root.appendChild(el('div', 'geo-popup-title', p.n));
      root.appendChild(el('div', 'geo-popup-sub',
        String(p.k).replace(/_/g, ' ') + (p.c ? ' \u00b7 ' + countryName(p.c) : '')));
      var table = el('table');
      row(table, 'Coordinates', fmtLatLon(p.ll));
      row(table, 'Mentions', mentionsText(p.m, p.dc));
      if (p.rp) { row(table, 'Reported', reportedText(p.rp)); }
      root.appendChild(table);
      quotesBlock(root, p.q);
      return root;
    }

    // ---------------------------------------------------------------- countries
    function countryStyle(feature) {
      var code = changesAt(CHANGES[feature.properties.t], pos), st = STATUS_BY_CODE[code];
      return {fillColor: st.color, fillOpacity: code === 0 ? 0.08 : 0.3, color: st.color,
        weight: 1, opacity: 0.7};
    }
    var countries = L.geoJSON(D.countries, {
      pane: 'geoCountries', style: countryStyle,
      onEachFeature: function (f, layer) {
        layer.bindTooltip(function () {
          var p = f.properties, box = el('div');
          box.appendChild(el('b', null, p.n));
          var st = STATUS_BY_CODE[changesAt(CHANGES[p.t], pos)];
          box.appendChild(el('div', null, (p.r || 'country') + ' \u00b7 ' + st.label));
          p.a.forEach(function (a) { box.appendChild(el('div', 'geo-dates', D.agreements[a].n)); });
          return box;
        }, {sticky: true});
      }
    });
    if (D.countries.features.length) {
      overlays['Countries by status'] = countries; countries.addTo(map);
    }

    // ---------------------------------------------------------------- site markers
    var icons = {};
    function iconFor(k, stKey) {
      var key = k + '|' + stKey;
      if (!icons[key]) {
        icons[key] = L.AwesomeMarkers.icon({icon: kind(k)[0], prefix: 'fa',
          markerColor: status(stKey).marker, iconColor: stKey === 'none' ? '#555' : 'white'});
      }
      return icons[key];
    }
    var groups = D.agreements.map(function () { return L.layerGroup(); });
    var noAgreement = L.layerGroup();
    var sitesLayer = L.layerGroup();
    var markers = [], siteIndex = {}, shown = [];
    D.sites.forEach(function (s, i) {
      siteIndex[s.i] = i;
      shown.push(s.s);
      if (!s.ll) { markers.push(null); return; }
      var m = L.marker(s.ll, {icon: iconFor(s.k, s.s), riseOnHover: true, alt: s.n});
      m.bindTooltip(function () { return el('span', null, s.n); });
      m.bindPopup(function () { return sitePopup(i); }, {maxWidth: 360, minWidth: 240});
      // The open site's icon goes on top: Evenes and Ramsund overlap below zoom 9.
      m.on('popupopen', function () { m.setZIndexOffset(10000); });
      m.on('popupclose', function () { m.setZIndexOffset(0); });
      m.geoSite = s.i;
      markers.push(m);
    });
    function visible(s) {
      if (!s.a.length) { return map.hasLayer(noAgreement); }
      for (var j = 0; j < s.a.length; j++) { if (map.hasLayer(groups[s.a[j][0]])) { return true; } }
      return false;
    }
    var named = D.sites.map(function (s) { return anyDoc(s.dd); });
    function refresh() {
      D.sites.forEach(function (s, i) {
        var m = markers[i]; if (!m) { return; }
        var on = visible(s) && (named[i] || !onlyNamed);
        if (on && !sitesLayer.hasLayer(m)) { sitesLayer.addLayer(m); }
        else if (!on && sitesLayer.hasLayer(m)) { sitesLayer.removeLayer(m); }
        // Registry sites the documents do not name (yet) are drawn, but dimmed.
        m.setOpacity(named[i] ? 1 : 0.35);
        var icon = m.getElement && m.getElement();
        if (icon) { icon.classList.toggle('geo-dimmed', !named[i]); }
      });
    }
    D.agreements.forEach(function (ag, j) {
      var sw = '<span class="geo-n">(' + D.agreementCounts[j] + ')</span>';
      overlays[esc((ag.h ? ag.h + ' \u00b7 ' : '') + ag.n) + ' ' + sw] = groups[j];
      groups[j].addTo(map);
      groups[j].on('add remove', refresh);
    });
    if (D.sites.some(function (s) { return !s.a.length; })) {
      overlays['Sites under no agreement'] = noAgreement;
      noAgreement.addTo(map); noAgreement.on('add remove', refresh);
    }
    sitesLayer.addTo(map);
    refresh();

    // ---------------------------------------------------------------- other places
    var placesRenderer = L.svg({pane: 'geoPlaces'});
    var places = L.layerGroup(), placeMarkers = [];
    D.places.forEach(function (p, i) {
      var c = L.circleMarker(p.ll, {renderer: placesRenderer, pane: 'geoPlaces',
        radius: Math.min(4 + 2.5 * Math.sqrt(p.m), 28), color: '#5b4b8a', weight: 1,
        fillColor: '#7b68b5', fillOpacity: 0.45});
      c.bindTooltip(function () { return el('span', null, p.n + ' (' + p.m + ')'); });
      c.bindPopup(function () { return placePopup(i); }, {maxWidth: 360, minWidth: 220});
      c.geoPlace = i;
      placeMarkers.push(c);
      if (anyDoc(p.dd) || !p.dd) { places.addLayer(c); }
    });
    function refreshPlaces() {
      placeMarkers.forEach(function (c, i) {
        var p = D.places[i], on = !p.dd || anyDoc(p.dd);
        if (on && !places.hasLayer(c)) { places.addLayer(c); }
        else if (!on && places.hasLayer(c)) { places.removeLayer(c); }
      });
    }
    if (D.places.length) {
      overlays['Other places mentioned <span class="geo-n">(' + D.places.length + ')</span>'] =
        places;
      places.addTo(map);
    }

    var layerControl = L.control.layers(baseLayers, overlays,
      {collapsed: Object.keys(overlays).length > 9, position: 'topright'}).addTo(map);

    // ---------------------------------------------------------------- open a site
    function openSite(i, zoomIn) {
      var s = D.sites[i], m = markers[i];
      if (m) {
        if (!sitesLayer.hasLayer(m)) {
          if (s.a.length) { map.addLayer(groups[s.a[0][0]]); } else { map.addLayer(noAgreement); }
          if (!sitesLayer.hasLayer(m)) { sitesLayer.addLayer(m); }  // hidden by "only named"
        }
        if (zoomIn) { map.setView(m.getLatLng(), Math.max(map.getZoom(), 9), {animate: false}); }
        m.openPopup();
        return m;
      }
      var at = s.ax || map.getCenter();
      L.popup({maxWidth: 360, minWidth: 240}).setLatLng(at).setContent(sitePopup(i)).openOn(map);
      return null;
    }

    // ---------------------------------------------------------------- legend
    var legendEl = document.getElementById(dataId + '-legend');
    if (legendEl) {
      var legend = L.control({position: 'bottomleft'});
      legend.onAdd = function () {
        legendEl.hidden = false;
        // A short map (a notebook cell) starts with the legend folded to its title.
        if (map.getSize().y < 650) { legendEl.querySelector('details').open = false; }
        L.DomEvent.disableClickPropagation(legendEl);
        L.DomEvent.disableScrollPropagation(legendEl);
        return legendEl;
      };
      legend.addTo(map);
      legendEl.querySelectorAll('button.geo-site-link').forEach(function (b) {
        b.addEventListener('click', function () {
          openSite(parseInt(b.getAttribute('data-site'), 10), false);
        });
      });
    }
    function updateCounts() {
      if (!legendEl) { return; }
      var counts = {};
      D.sites.forEach(function (s, i) {
        if (markers[i]) { counts[shown[i]] = (counts[shown[i]] || 0) + 1; }
      });
      legendEl.querySelectorAll('[data-status]').forEach(function (node) {
        node.textContent = String(counts[node.getAttribute('data-status')] || 0);
      });
    }

    // ---------------------------------------------------------------- time slider
    var legendAsOf = legendEl ? legendEl.querySelector('.geo-legend-asof') : null;
    function updateLegendHeader() {
      if (!legendAsOf) { return; }
      var drawn = 0, shownNamed = 0;
      D.sites.forEach(function (s, i) {
        if (markers[i]) { drawn += 1; if (named[i]) { shownNamed += 1; } }
      });
      var docs = 0;
      D.docs.forEach(function (d, j) { if (docVisible(j)) { docs += 1; } });
      legendAsOf.textContent = 'as of ' + D.timeline.dates[pos] + '; ' + drawn + ' of ' +
        D.sites.length + ' sites drawn, ' + shownNamed + ' named in ' + docs + ' of ' +
        D.docs.length + ' documents';
    }
    function applyFilters() {
      named = D.sites.map(function (s) { return anyDoc(s.dd); });
      refresh(); refreshPlaces(); updateLegendHeader();
      if (map.closePopup) { map.closePopup(); }
    }
    function applyTime(p) {
      pos = Math.max(0, Math.min(lastPos, p));
      D.sites.forEach(function (s, i) {
        var st = STATUS_BY_CODE[changesAt(CHANGES[s.t], pos)].key;
        if (st === shown[i]) { return; }
        shown[i] = st;
        var m = markers[i];
        if (m) { m.setIcon(iconFor(s.k, st)); }
      });
      applyFilters();
      countries.setStyle(countryStyle);
      updateCounts();
    }
    if (lastPos > 0) {
      var slider = L.control({position: 'topright'});
      slider.onAdd = function () {
        var box = el('div', 'geo-slider');
        var label = el('div', 'geo-slider-date');
        var input = el('input'); input.type = 'range'; input.min = '0';
        input.max = String(lastPos); input.value = String(lastPos); input.step = '1';
        input.setAttribute('aria-label', 'Timeline of agreements and articles');
        input.className = 'geo-time';
        var events = el('div', 'geo-slider-events');
        function show() {
          label.textContent = 'Timeline (agreements and articles): ' + D.timeline.dates[pos] +
            (pos === lastPos ? ' (as of)' : '');
          events.textContent = D.timeline.labels[pos].join('; ');
        }
        input.addEventListener('input', function () {
          applyTime(parseInt(input.value, 10)); show();
        });
        box.appendChild(label); box.appendChild(input); box.appendChild(events);
        show();
        L.DomEvent.disableClickPropagation(box);
        return box;
      };
      slider.addTo(map);
    }

    // ---------------------------------------------------------------- review panel
    var reviewItems = [];
    var reviewEl = null;
    if (D.review.length) {
      var review = L.control({position: 'topright'});
      review.onAdd = function () {
        var box = el('div', 'geo-review');
        var det = el('details'); det.className = 'geo-review-details';
        var unresolvedCount = D.review.filter(function (r) { return r[3] === null; }).length;
        var sum = el('summary', 'geo-legend-h', 'Review: ' + unresolvedCount + ' unresolved, ' +
          (D.review.length - unresolvedCount) + ' below score ' + D.lowScore);
        det.appendChild(sum);
        var ul = el('ul', 'geo-review-list');
        D.review.forEach(function (r, j) {
          var li = el('li', 'geo-review-item');
          li.appendChild(el('b', null, r[0]));
          li.appendChild(document.createTextNode(r[3] === null ? ' \u2014 unresolved' :
            ' \u2192 ' + (r[4] || '?') + ' (score ' + r[3] + ')'));
          li.appendChild(el('div', 'geo-review-sentence', D.sentences[r[2]]));
          li.appendChild(citeDoc(D.docs[r[1]]));
          li.title = r[5];
          li.dataset.review = String(j);
          ul.appendChild(li); reviewItems.push(li);
        });
        det.appendChild(ul); box.appendChild(det);
        reviewEl = det;
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      };
      review.addTo(map);
    }
    function showReview(j) {
      if (!reviewEl) { return; }
      reviewEl.open = true;
      reviewItems.forEach(function (li, k) { li.classList.toggle('geo-review-hit', k === j); });
      if (reviewItems[j] && reviewItems[j].scrollIntoView) { reviewItems[j].scrollIntoView({block: 'nearest'}); }
    }

    // ---------------------------------------------------------------- filters
    var filters = L.control({position: 'topleft'});
    filters.onAdd = function () {
      var box = el('div', 'geo-filters');
      var label = el('label', 'geo-only');
      var check = el('input'); check.type = 'checkbox'; check.className = 'geo-only-named';
      label.appendChild(check);
      label.appendChild(document.createTextNode(' only sites named in these documents'));
      check.addEventListener('change', function () { onlyNamed = check.checked; applyFilters(); });
      box.appendChild(label);
      if (D.docs.length > 1) {
        var select = el('select', 'geo-doc-filter');
        select.setAttribute('aria-label', 'Documents');
        var all = el('option', null, 'All ' + D.docs.length + ' documents'); all.value = '-1';
        select.appendChild(all);
        D.docs.forEach(function (d, j) {
          var o = el('option', null, (d[2] ? d[2] + ' \u00b7 ' : '') + (d[1] || d[0]));
          o.value = String(j); select.appendChild(o);
        });
        select.addEventListener('change', function () {
          docFilter = parseInt(select.value, 10); applyFilters();
        });
        box.appendChild(select);
      }
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    filters.addTo(map);

    // ---------------------------------------------------------------- search
    // Every site (registry and the user's), every place the documents name and every
    // unresolved name; a visible "no match" when nothing fits.
    var searchIndex = null;
    function buildSearch() {
      searchIndex = [];
      D.sites.forEach(function (s, i) {
        var labels = [s.n].concat(s.al || []);
        searchIndex.push({kind: 'site', i: i, label: s.n, labels: labels, names: labels.map(fold),
          sub: kind(s.k)[1] + (s.c ? ' \u00b7 ' + countryName(s.c) : '')});
      });
      D.places.forEach(function (p, i) {
        var labels = [p.n].concat(p.al || []);
        searchIndex.push({kind: 'place', i: i, label: p.n, labels: labels, names: labels.map(fold),
          sub: String(p.k).replace(/_/g, ' ') + (p.c ? ' \u00b7 ' + countryName(p.c) : '')});
      });
      D.review.forEach(function (r, j) {
        searchIndex.push({kind: 'review', i: j, label: r[0], labels: [r[0]], names: [fold(r[0])],
          sub: r[3] === null ? 'unresolved name' : 'low score: ' + (r[4] || '')});
      });
      return searchIndex;
    }
    function searchFor(text) {
      var t = fold(text).trim(), out = [];
      if (!t) { return out; }
      (searchIndex || buildSearch()).forEach(function (rec) {
        for (var j = 0; j < rec.names.length; j++) {
          if (rec.names[j].indexOf(t) >= 0) {
            out.push({rec: rec, hint: j > 0 ? rec.labels[j] : null,
              rank: rec.names[j].indexOf(t) === 0 ? 0 : 1});
            return;
          }
        }
      });
      out.sort(function (a, b) { return a.rank - b.rank; });
      return out;
    }
    function openPlace(i) {
      var c = placeMarkers[i], p = D.places[i];
      if (!places.hasLayer(c)) { places.addLayer(c); }
      if (!map.hasLayer(places)) { map.addLayer(places); }
      map.setView(p.ll, Math.max(map.getZoom(), 7), {animate: false});
      c.openPopup();
    }
    function choose(rec) {
      if (rec.kind === 'site') { openSite(rec.i, true); }
      else if (rec.kind === 'place') { openPlace(rec.i); }
      else { showReview(rec.i); }
    }
    var searchCtl = L.control({position: 'topleft'});
    searchCtl.onAdd = function () {
      var box = el('div', 'geo-search');
      var input = el('input'); input.type = 'search'; input.className = 'geo-search-input';
      input.placeholder = 'Search sites, places, names\u2026';
      input.setAttribute('aria-label', 'Search sites, places and names');
      var list = el('ul', 'geo-search-results');
      function run() {
        while (list.firstChild) { list.removeChild(list.firstChild); }
        if (!input.value.trim()) { return; }
        var found = searchFor(input.value);
        if (!found.length) {
          list.appendChild(el('li', 'geo-search-none', 'no match for \u201c' + input.value.trim() + '\u201d'));
          return;
        }
        found.slice(0, 25).forEach(function (f) {
          var li = el('li', 'geo-search-hit');
          li.appendChild(el('span', null, f.rec.label));
          if (f.hint && fold(f.rec.label).indexOf(fold(f.hint)) < 0) {
            li.appendChild(el('span', 'geo-tip-alias', ' \u00b7 ' + f.hint));
          }
          li.appendChild(el('span', 'geo-search-sub', ' \u2014 ' + f.rec.sub));
          li.addEventListener('click', function () { choose(f.rec); });
          list.appendChild(li);
        });
        if (found.length > 25) { list.appendChild(el('li', 'geo-search-more', (found.length - 25) + ' more\u2026')); }
      }
      input.addEventListener('input', run);
      input.addEventListener('keydown', function (e) {
        if (e.key === 'Enter') { var f = searchFor(input.value); if (f.length) { choose(f[0].rec); } }
      });
      box.appendChild(input); box.appendChild(list);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    searchCtl.addTo(map);

    // ---------------------------------------------------------------- minimap, view
    if (L.Control.MiniMap && BASE) {
      var mini = L.geoJSON(BASE, {style: baseStyle, interactive: false});
      var miniMap = new L.Control.MiniMap(mini, {toggleDisplay: true, position: 'bottomright',
        width: 140, height: 140, zoomLevelOffset: -5});
      // The plugin moves the main map to the minimap's centre after *any* minimap move; when
      // its own follow-up animation ends after a popup's auto-pan, that snaps the main map
      // back to a zoom-0 pixel (the popup ends off screen). Only a drag of the minimap
      // itself should move the main map.
      var followMini = miniMap._onMiniMapMoved;
      miniMap._onMiniMapMoved = function (e) {
        if (this._geoDragged) { this._geoDragged = false; followMini.call(this, e); }
        else { this._mainMapMoving = false; }
      };
      miniMap.addTo(map);
      miniMap._miniMap.on('dragstart', function () { miniMap._geoDragged = true; });
    }
    updateLegendHeader();
    if (D.bounds) {
      var b = L.latLngBounds(D.bounds);
      if (b.getNorthEast().equals(b.getSouthWest())) { map.setView(b.getCenter(), 8); }
      else { map.fitBounds(b, {padding: [30, 30], maxZoom: 9}); }
    }

    var state = STATE[mapName] = {
      map: map, data: D, markers: markers, siteIndex: siteIndex, groups: groups,
      places: places, countries: countries, layerControl: layerControl,
      openSite: function (id, zoomIn) { return openSite(siteIndex[id], zoomIn !== false); },
      applyTime: applyTime, search: searchFor,
      setDocument: function (d) { docFilter = d; applyFilters(); },
      setOnlyNamed: function (v) { onlyNamed = !!v; applyFilters(); },
      named: function () { return named.slice(); },
      drawnAt: null
    };
    requestAnimationFrame(function () { state.drawnAt = performance.now(); });
  };
})();
