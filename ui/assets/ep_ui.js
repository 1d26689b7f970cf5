/* epintel views (ui/ep_ui.c embeds this file in every page). No framework: inside an MCP Apps
 * host the page talks JSON-RPC over postMessage with the host (ui/initialize, tools/call,
 * resources/read, ui/notifications/*); under /ui/ of epintel serve --http (the data block names
 * "mcp") it POSTs its tool calls as 2026-07-28 JSON-RPC to the same origin's /mcp, which applies
 * the same authentication, roles, quotas, audit and cache as to any client; it uses links for
 * the rest. A page with neither channel uses links only. */
(function () {
  'use strict';
  var D, app = document.getElementById('app');
  var framed = window.parent !== window;
  var epUi = (window.epUi = { calls: [], ready: false, bridge: false });

  /* ---- the MCP Apps bridge (app side) ---------------------------------------------------- */
  var seq = 0, pend = {}, handlers = {};
  function post(m) { window.parent.postMessage(m, '*'); }
  function request(method, params) {
    return new Promise(function (res, rej) {
      var id = ++seq;
      pend[id] = { res: res, rej: rej };
      post({ jsonrpc: '2.0', id: id, method: method, params: params || {} });
    });
  }
  function notify(method, params) { post({ jsonrpc: '2.0', method: method, params: params || {} }); }
  window.addEventListener('message', function (ev) {
    if (ev.source !== window.parent) return;
    var m = ev.data;
    if (!m || m.jsonrpc !== '2.0') return;
    if (m.id != null && !m.method) {
      var p = pend[m.id];
      if (!p) return;
      delete pend[m.id];
      if (m.error) p.rej(new Error(m.error.message || 'error ' + m.error.code));
      else p.res(m.result);
      return;
    }
    var h = handlers[m.method];
    if (h) h(m.params || {});
    if (m.id != null) post({ jsonrpc: '2.0', id: m.id, result: {} });
  });
  function toolResult(name, r) {
    if (r && r.isError) {
      var t = r.content && r.content[0] && r.content[0].text;
      throw new Error(t || name + ' failed');
    }
    return r.structuredContent || {};
  }
  /* One stateless 2026-07-28 tools/call to the same origin's /mcp (no session): the headers
   * repeat the body's version, method and tool name, as the revision requires. The browser (or
   * the proxy in front of the server) adds the same credentials as for the page. */
  function httpCall(name, args) {
    var id = ++seq, meta = {};
    meta['io.modelcontextprotocol/protocolVersion'] = '2026-07-28';
    meta['io.modelcontextprotocol/clientCapabilities'] = {};
    meta['io.modelcontextprotocol/clientInfo'] = { name: 'epintel-' + D.view, version: String(D.version) };
    return fetch(D.mcp, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json',
        'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': name },
      body: JSON.stringify({ jsonrpc: '2.0', id: id, method: 'tools/call',
        params: { name: name, arguments: args, _meta: meta } })
    }).then(function (res) {
      return res.text().then(function (t) {
        var m = null;
        try { m = JSON.parse(t); } catch (e) { m = null; }
        if (m && m.error) throw new Error(m.error.message || 'error ' + m.error.code);
        if (!res.ok || !m || !m.result) throw new Error('HTTP ' + res.status + (t ? ': ' + t.slice(0, 200) : ''));
        return m.result;
      });
    });
  }
  /* 1 when the page has a channel for tool calls: the host's bridge or /mcp under /ui/. */
  function canCall() { return epUi.bridge || !!D.mcp; }
  function callTool(name, args) {
    epUi.calls.push({ name: name, arguments: args, via: epUi.bridge ? 'host' : 'http' });
    var p = epUi.bridge ? request('tools/call', { name: name, arguments: args }) : httpCall(name, args);
    return p.then(function (r) { return toolResult(name, r); });
  }
  function sizeChanged() {
    if (epUi.bridge)
      notify('ui/notifications/size-changed', {
        width: Math.ceil(document.documentElement.scrollWidth),
        height: Math.ceil(document.documentElement.scrollHeight)
      });
  }

  /* ---- helpers --------------------------------------------------------------------------- */
  function $(s, r) { return (r || document).querySelector(s); }
  function $$(s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text != null) e.textContent = text;
    return e;
  }
  function fmt(v, d) { return v == null ? 'n/a' : Number(v).toFixed(d); }
  function fold(s) { return String(s).normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase(); }
  function note(t) { $('#note').textContent = t || ''; }
  function gcode(g) { return g >= 0 && D.groups[g] ? D.groups[g].code : 'no group'; }
  function winArgs() {
    var a = {};
    if (D.args.from) a.from = D.args.from;
    if (D.args.to) a.to = D.args.to;
    return a;
  }
  function qs(a) {
    var s = [];
    for (var k in a) s.push(k + '=' + encodeURIComponent(a[k]));
    return s.length ? '?' + s.join('&') : '';
  }

  /* Tooltip next to the pointer (or next to an element for keyboard users). */
  function tipAt(text, x, y) {
    var t = $('#tip'), f = t.parentNode.getBoundingClientRect();
    t.textContent = text;
    t.hidden = false;
    var left = x - f.left + 14, top = y - f.top + 14;
    if (left + 330 > f.width) left = Math.max(0, x - f.left - 330);
    t.style.left = left + 'px';
    t.style.top = top + 'px';
  }
  function tipHide() { $('#tip').hidden = true; }

  /* Pan and zoom of #vp inside #plot: wheel, drag, keyboard (arrows, + -, 0). */
  function panZoom(svg, onKey) {
    var vp = $('#vp'), s = 1, tx = 0, ty = 0, drag = null;
    function apply() { vp.setAttribute('transform', 'translate(' + tx + ' ' + ty + ') scale(' + s + ')'); }
    function toUser(cx, cy) {
      var r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
      return [(cx - r.left) * vb.width / r.width, (cy - r.top) * vb.height / r.height];
    }
    function zoom(f, ux, uy) {
      var ns = Math.min(40, Math.max(0.5, s * f));
      tx = ux - (ux - tx) * ns / s;
      ty = uy - (uy - ty) * ns / s;
      s = ns;
      apply();
    }
    svg.addEventListener('wheel', function (e) {
      e.preventDefault();
      var u = toUser(e.clientX, e.clientY);
      zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, u[0], u[1]);
    }, { passive: false });
    svg.addEventListener('pointerdown', function (e) {
      if (e.target.tagName === 'circle') return;
      drag = { x: e.clientX, y: e.clientY, tx: tx, ty: ty, moved: false };
    });
    window.addEventListener('pointermove', function (e) {
      if (!drag) return;
      var a = toUser(drag.x, drag.y), b = toUser(e.clientX, e.clientY);
      tx = drag.tx + b[0] - a[0];
      ty = drag.ty + b[1] - a[1];
      drag.moved = true;
      apply();
    });
    window.addEventListener('pointerup', function () { drag = null; });
    svg.addEventListener('keydown', function (e) {
      var vb = svg.viewBox.baseVal, st = 40, k = e.key;
      if (k === 'ArrowLeft') tx += st; else if (k === 'ArrowRight') tx -= st;
      else if (k === 'ArrowUp') ty += st; else if (k === 'ArrowDown') ty -= st;
      else if (k === '+' || k === '=') zoom(1.25, vb.width / 2, vb.height / 2);
      else if (k === '-') zoom(0.8, vb.width / 2, vb.height / 2);
      else if (k === '0') { s = 1; tx = 0; ty = 0; }
      else { if (onKey) onKey(e); return; }
      e.preventDefault();
      apply();
    });
    return { reset: function () { s = 1; tx = 0; ty = 0; apply(); } };
  }

  /* Keyboard stepping through the shown circles: n / p select, Enter acts, Escape clears. */
  function stepper(svg, circles, shown, onSel, onAct, onClear) {
    var cur = -1;
    return function (e) {
      var k = e.key, vis = circles.filter(function (c, i) { return shown(i); });
      if (k === 'n' || k === 'p') {
        if (!vis.length) return;
        var pos = vis.indexOf(circles[cur]);
        pos = k === 'n' ? (pos + 1) % vis.length : (pos <= 0 ? vis.length - 1 : pos - 1);
        cur = +vis[pos].getAttribute('data-i');
        onSel(cur);
        e.preventDefault();
      } else if (k === 'Enter' && cur >= 0) { onAct(cur); e.preventDefault(); }
      else if (k === 'Escape') { cur = -1; onClear(); e.preventDefault(); }
    };
  }

  /* Pointer and keyboard on a chart of circles (data-i): hover shows describe(i), a click or
   * Enter acts on i, n / p step through the shown ones, Escape clears; with pan and zoom. */
  function pointable(svg, circles, shown, describe, act, clear) {
    svg.addEventListener('mouseover', function (e) {
      var i = e.target.getAttribute && e.target.getAttribute('data-i');
      if (i != null) tipAt(describe(+i), e.clientX, e.clientY);
    });
    svg.addEventListener('mouseout', function (e) { if (e.target.tagName === 'circle') tipHide(); });
    svg.addEventListener('click', function (e) {
      var i = e.target.getAttribute && e.target.getAttribute('data-i');
      if (i != null) act(+i);
    });
    return panZoom(svg, stepper(svg, circles, function (i) { return shown[i]; },
      function (i) { markSel(circles, i); rowSel(i); tipFor(circles[i], describe(i)); },
      act, function () { clear(); tipHide(); }));
  }

  function markSel(circles, i) {
    circles.forEach(function (c) { c.classList.remove('sel'); });
    if (i >= 0) circles[i].classList.add('sel');
  }
  function tipFor(circle, text) {
    var r = circle.getBoundingClientRect();
    tipAt(text, r.right, r.bottom);
  }
  function rowSel(i) {
    $$('#tbl tbody tr.sel').forEach(function (r) { r.classList.remove('sel'); });
    var r = $('#tbl tbody tr[data-i="' + i + '"]');
    if (r) r.classList.add('sel');
  }

  /* ---- 1. network explorer --------------------------------------------------------------- */
  var PAL = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
    '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31', '#843c39'];

  function network() {
    var N = D.nodes, n = N.id.length, svg = $('#plot');
    var circles = $$('#nodes circle'), rows = $$('#tbl tbody tr'), egoG = $('#ego-edges');
    var SVGNS = svg.namespaceURI;
    var fill0 = circles.map(function (c) { return c.getAttribute('fill'); });
    var adj = [];
    for (var i = 0; i < n; i++) adj.push([]);
    for (var e = 0; e + 1 < D.backbone.length; e += 2) {
      var a = D.backbone[e], b = D.backbone[e + 1];
      adj[a].push(b); adj[b].push(a);
    }
    var names = N.name.map(fold), shown = [], ego = -1;
    var countries = {};
    N.country.forEach(function (c) { if (c) countries[c] = (countries[c] || 0) + 1; });
    var cs = $('#f-country');
    Object.keys(countries).sort().forEach(function (c) {
      cs.appendChild(el('option', { value: c }, c + ' (' + countries[c] + ')'));
    });
    function describe(i) {
      return N.name[i] + '\n' + gcode(N.group[i]) + ' · ' + (N.country[i] || 'country unknown') +
        '\neigenvector ' + fmt(N.eigenvector[i], 3) + ' · PageRank ' + fmt(N.pagerank[i], 5) +
        '\nbetweenness ' + fmt(N.betweenness[i], 1) + ' · bridge ' + fmt(N.bridge[i], 3) +
        '\ndegree ' + N.degree[i] + ' · community ' + (N.community[i] == null ? 'n/a' : N.community[i]);
    }
    function filter() {
      var g = $('#f-group').value, c = cs.value, k = 0;
      for (var i = 0; i < n; i++) {
        shown[i] = (g === '' || String(N.group[i]) === g) && (c === '' || N.country[i] === c);
        circles[i].classList.toggle('off', !shown[i]);
        if (rows[i]) rows[i].classList.toggle('off', !shown[i]);
        if (shown[i]) k++;
      }
      $('#count').textContent = k + ' of ' + n + ' MEPs shown';
      search();
    }
    function search() {
      var q = fold($('#q').value.trim()), k = 0;
      for (var i = 0; i < n; i++) {
        var m = q !== '' && shown[i] && names[i].indexOf(q) >= 0;
        circles[i].classList.toggle('match', m);
        if (m) k++;
      }
      if (q !== '') note(k + ' MEP' + (k === 1 ? '' : 's') + ' match "' + $('#q').value.trim() + '"');
      else note('');
      return k;
    }
    function showEgo(i) {
      clearEgo();
      ego = i;
      svg.classList.add('dim');
      circles[i].classList.add('hl');
      adj[i].forEach(function (j) { circles[j].classList.add('hl'); });
      var c0 = circles[i];
      adj[i].forEach(function (j) {
        var l = document.createElementNS(SVGNS, 'line');
        l.setAttribute('x1', c0.getAttribute('cx')); l.setAttribute('y1', c0.getAttribute('cy'));
        l.setAttribute('x2', circles[j].getAttribute('cx')); l.setAttribute('y2', circles[j].getAttribute('cy'));
        egoG.appendChild(l);
      });
      markSel(circles, i);
      rowSel(i);
      var nb = adj[i].slice().sort(function (a, b) { return N.name[a] < N.name[b] ? -1 : 1; });
      $('#ego').textContent = 'Ego network of ' + N.name[i] + ' (' + gcode(N.group[i]) + '): ' +
        nb.length + ' strongest ties: ' + nb.map(function (j) { return N.name[j] + ' (' + gcode(N.group[j]) + ')'; }).join(', ');
      sizeChanged();
    }
    function clearEgo() {
      ego = -1;
      svg.classList.remove('dim');
      $$('.hl', svg).forEach(function (x) { x.classList.remove('hl'); });
      egoG.textContent = '';
      markSel(circles, -1);
    }
    function colour() {
      var byComm = $('#t-comm').checked;
      circles.forEach(function (c, i) {
        c.setAttribute('fill', byComm && N.community[i] != null ? PAL[N.community[i] % PAL.length] : fill0[i]);
      });
      note(byComm ? D.communities + ' communities (Louvain, seed 42), coloured' : '');
    }
    $('#t-comm').disabled = !D.weighted;
    var pz = pointable(svg, circles, shown, describe, showEgo, clearEgo);
    $('#f-group').addEventListener('change', filter);
    cs.addEventListener('change', filter);
    $('#q').addEventListener('input', search);
    $('#q').addEventListener('keydown', function (e) {
      if (e.key !== 'Enter') return;
      var q = fold($('#q').value.trim());
      for (var i = 0; i < n; i++) if (q && shown[i] && names[i].indexOf(q) >= 0) { showEgo(i); break; }
    });
    $('#t-comm').addEventListener('change', colour);
    $('#reset').addEventListener('click', function () {
      $('#f-group').value = ''; cs.value = ''; $('#q').value = ''; $('#t-comm').checked = false;
      colour(); clearEgo(); filter(); pz.reset(); tipHide();
      $('#ego').textContent = '';
    });
    filter();
  }

  /* ---- 2. political map ------------------------------------------------------------------ */
  function dimRows(dims) {
    var t = el('table'), tb = el('tbody');
    t.appendChild(el('thead')).appendChild(el('tr')).append(el('th', {}, 'Dimension'), el('th', {}, 'Percentile'));
    Object.keys(dims).forEach(function (k) {
      var d = dims[k], tr = el('tr');
      tr.append(el('td', {}, k), el('td', { class: 'num' }, d.available ? fmt(d.percentile, 1) : 'n/a'));
      tb.appendChild(tr);
    });
    t.appendChild(tb);
    return t;
  }
  function map() {
    var N = D.nodes, n = N.id.length, svg = $('#plot');
    var circles = $$('#nodes circle'), rows = $$('#tbl tbody tr'), shown = [];
    function describe(i) {
      return N.name[i] + '\n' + gcode(N.group[i]) + ' · ' + (N.country[i] || 'country unknown') +
        '\ndimension 1 ' + fmt(N.x[i], 3) + ' · dimension 2 ' + fmt(N.y[i], 3);
    }
    function filter() {
      var on = {};
      $$('#groups input').forEach(function (c) { on[c.value] = c.checked; });
      var k = 0;
      for (var i = 0; i < n; i++) {
        shown[i] = !!on[String(N.group[i])];
        circles[i].classList.toggle('off', !shown[i]);
        if (rows[i]) rows[i].classList.toggle('off', !shown[i]);
        if (shown[i]) k++;
      }
      $('#count').textContent = k + ' of ' + n + ' MEPs shown';
    }
    function open(i) {
      markSel(circles, i);
      rowSel(i);
      var args = winArgs();
      args.mep_id = N.id[i];
      if (!canCall()) {
        location.href = 'scorecard' + qs(args);
        return;
      }
      var card = $('#card');
      card.hidden = false;
      card.textContent = 'Assessing ' + N.name[i] + '…';
      callTool('assess_mep_influence', args).then(function (r) {
        card.textContent = '';
        card.append(el('h2', {}, 'Scorecard: ' + r.mep.name + ' (' + (r.mep.group || 'no group') + ', ' + (r.mep.country || 'country unknown') + ')'),
          el('p', { class: 'kpi' }, 'Composite influence ' + fmt(r.composite, 1) + ' / 100 · rank ' + r.rank + ' of ' + r.n + ' MEPs'),
          dimRows(r.dimensions || {}));
        if (!epUi.bridge) {
          var more = el('p');
          more.appendChild(el('a', { href: 'scorecard' + qs(args), id: 'full' }, 'The full scorecard of ' + r.mep.name));
          card.append(more);
        }
        sizeChanged();
      }).catch(function (e) { card.textContent = 'assess_mep_influence failed: ' + e.message; });
    }
    pointable(svg, circles, shown, describe, open, function () { markSel(circles, -1); });
    $$('#groups input').forEach(function (c) { c.addEventListener('change', filter); });
    filter();
  }

  /* ---- 4. coalition matrix --------------------------------------------------------------- */
  function coalition() {
    var drill = $('#drill');
    function open(cell) {
      var a = cell.getAttribute('data-a'), b = cell.getAttribute('data-b');
      $$('.cell.sel').forEach(function (c) { c.classList.remove('sel'); });
      cell.classList.add('sel');
      drill.hidden = false;
      drill.textContent = '';
      drill.appendChild(el('h2', {}, 'Votes behind ' + a + ' × ' + b));
      if (!canCall()) {
        drill.appendChild(el('p', {}, 'The votes behind a cell come from get_voting_records ' +
          'through the MCP host or /mcp; this page has neither. The pair figures are in the table.'));
        return;
      }
      /* the votes of the window this page shows (its first and last vote date), those with
       * per-MEP positions, so that each has the groups' positions */
      var args = { from: D.window.from, to: D.window.to, with_positions: true, limit: 100 };
      drill.appendChild(el('p', {}, 'Loading the latest 100 votes of the window…'));
      callTool('get_voting_records', args).then(function (r) {
        var votes = r.votes || [], t = el('table'), tb = el('tbody'), both = 0, same = 0;
        t.appendChild(el('thead')).appendChild(el('tr')).append(el('th', {}, 'Date'), el('th', {}, 'Vote'),
          el('th', {}, a), el('th', {}, b), el('th', {}, 'Same position'));
        votes.forEach(function (v) {
          var pa = null, pb = null;
          (v.groups || []).forEach(function (g) { if (g.group === a) pa = g.position; if (g.group === b) pb = g.position; });
          if (!pa || !pb || pa === 'NONE' || pb === 'NONE' || pa === 'TIE' || pb === 'TIE') return;
          both++;
          if (pa === pb) same++;
          var tr = el('tr');
          tr.append(el('td', {}, v.sitting_date || ''), el('td', {}, (v.title || '(no title)') + ' (vote ' + v.id + ')'),
            el('td', {}, pa), el('td', {}, pb), el('td', {}, pa === pb ? 'yes' : 'no'));
          tb.appendChild(tr);
        });
        t.appendChild(tb);
        drill.lastChild.textContent = a + ' and ' + b + ' took the same position on ' + same + ' of the ' +
          both + ' votes (of the latest ' + votes.length + ' of the window) on which both had one.';
        drill.appendChild(t);
        sizeChanged();
      }).catch(function (e) { drill.lastChild.textContent = 'get_voting_records failed: ' + e.message; });
    }
    $$('.cell').forEach(function (c) {
      c.addEventListener('click', function () { open(c); });
      c.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(c); } });
    });
  }

  /* ---- 5. hemicycle ---------------------------------------------------------------------- */
  function hemicycle() {
    var svg = $('#plot'), sel = {}, grps = $$('#seats g.grp');
    function describe(g) {
      var x = D.groups[g];
      return x.code + '\n' + x.seats + ' seats, ' + fmt(100 * x.seats / D.total, 1) + ' % of ' + D.total;
    }
    function update() {
      var tot = 0, names = [];
      D.groups.forEach(function (x, g) { if (sel[g]) { tot += x.seats; names.push(x.code); } });
      grps.forEach(function (e) {
        var g = +e.getAttribute('data-g');
        e.classList.toggle('on', !!sel[g]);
        e.setAttribute('aria-pressed', sel[g] ? 'true' : 'false');
      });
      $$('#tbl tbody input').forEach(function (c) { c.checked = !!sel[+c.value]; });
      svg.classList.toggle('picking', names.length > 0);
      var ok = tot >= D.majority;
      $('#ctr').textContent = names.length ? tot + ' of ' + D.total : D.total + ' seats';
      $('#total').textContent = names.length
        ? names.join(' + ') + ': ' + tot + ' of ' + D.total + ' seats: ' +
          (ok ? 'a majority (' + D.majority + ' needed)' : 'no majority, ' + (D.majority - tot) + ' short of ' + D.majority)
        : 'No group selected: select groups to add up their seats (a majority is ' + D.majority + ' of ' + D.total + ').';
      $('#total').setAttribute('data-seats', String(tot));
      $('#total').setAttribute('data-majority', names.length && ok ? '1' : '0');
      sizeChanged();
    }
    function toggle(g) { sel[g] = !sel[g]; update(); }
    grps.forEach(function (e) {
      var g = +e.getAttribute('data-g');
      e.addEventListener('mousemove', function (ev) { tipAt(describe(g), ev.clientX, ev.clientY); });
      e.addEventListener('mouseleave', tipHide);
      e.addEventListener('focus', function () {
        var r = e.getBoundingClientRect();
        tipAt(describe(g), r.left + r.width / 2, r.top + r.height / 2);
      });
      e.addEventListener('blur', tipHide);
      e.addEventListener('click', function () { toggle(g); });
      e.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); toggle(g); }
        else if (ev.key === 'Escape') { sel = {}; update(); }
      });
    });
    $$('#tbl tbody input').forEach(function (c) {
      c.addEventListener('change', function () { sel[+c.value] = c.checked; update(); });
    });
    $$('#coal .pick').forEach(function (b) {
      b.addEventListener('click', function () {
        sel = {};
        D.coalitions[+b.getAttribute('data-k')].groups.forEach(function (g) { sel[g] = true; });
        update();
      });
    });
    $('#clear').addEventListener('click', function () { sel = {}; update(); });
    update();
  }


  /* ---- policy area ----------------------------------------------------------------------- */
  function policy() {
    var bars = $$('#bars .bar');
    function describe(b) {
      var g = D.groups[+b.getAttribute('data-g')], all = b.classList.contains('all');
      var v = all ? g.ai_overall : g.ai;
      return g.code + ': Agreement Index ' + fmt(v, 3) + (all ? ' over all votes of the window' :
        ' in the area (' + g.votes_cast + ' votes cast; overall ' + fmt(g.ai_overall, 3) + ')');
    }
    bars.forEach(function (b, i) {
      b.addEventListener('mousemove', function (ev) { tipAt(describe(b), ev.clientX, ev.clientY); });
      b.addEventListener('mouseleave', tipHide);
      b.addEventListener('focus', function () {
        var r = b.getBoundingClientRect();
        tipAt(describe(b), r.left + r.width / 2, r.top);
      });
      b.addEventListener('blur', tipHide);
      b.addEventListener('keydown', function (ev) {
        var j = ev.key === 'ArrowRight' ? i + 1 : ev.key === 'ArrowLeft' ? i - 1 : -1;
        if (j >= 0 && j < bars.length) { ev.preventDefault(); bars[j].focus(); }
        else if (ev.key === 'Escape') { tipHide(); b.blur(); }
      });
    });
    $$('#heat td.cell').forEach(function (c) {
      function show(x, y) { tipAt(c.getAttribute('data-tip'), x, y); }
      c.addEventListener('mousemove', function (ev) { show(ev.clientX, ev.clientY); });
      c.addEventListener('mouseleave', tipHide);
      c.addEventListener('focus', function () { var r = c.getBoundingClientRect(); show(r.left, r.bottom); });
      c.addEventListener('blur', tipHide);
    });
    $('#subject').addEventListener('change', function () {
      var v = this.value;
      if (!v) return;
      var a = winArgs();
      a.subject = v;
      if (!epUi.bridge) { location.href = 'policy-area' + qs(a); return; }
      note('Analysing subject ' + v + '…');
      callTool('analyze_policy_area', a).then(function (r) {
        epUi.lastResult = r;
        return reload('ui://epintel/policy-area' + qs(a));
      }).catch(function (e) { note('analyze_policy_area failed: ' + e.message); });
    });
  }

  /* ---- start ----------------------------------------------------------------------------- */
  /* The view links keep the window; inside a host they load the view through the bridge. */
  function navLinks() {
    $$('#views a').forEach(function (a) {
      a.setAttribute('href', a.getAttribute('data-view') + qs(winArgs()));
      a.addEventListener('click', function (e) {
        if (!epUi.bridge) return;
        e.preventDefault();
        reload('ui://epintel/' + a.getAttribute('data-view') + qs(winArgs()));
      });
    });
  }
  function start() {
    D = JSON.parse($('#ep-data').textContent);
    navLinks();
    var t0 = performance.now();
    if (D.view === 'network') network();
    else if (D.view === 'map') map();
    else if (D.view === 'coalition') coalition();
    else if (D.view === 'hemicycle') hemicycle();
    else if (D.view === 'policy-area') policy();
    epUi.view = D.view;
    epUi.ready = true;
    document.body.setAttribute('data-ready', '1');
    requestAnimationFrame(function () {
      epUi.renderMs = performance.now() - t0;
      epUi.loadToRenderMs = performance.now();
      sizeChanged();
    });
  }

  /* The page of another window or MEP, read through the host, replaces this one's content. */
  function reload(uri) {
    note('Loading ' + uri + '…');
    return request('resources/read', { uri: uri }).then(function (r) {
      var html = r.contents && r.contents[0] && r.contents[0].text;
      if (!html) throw new Error('empty resource');
      var doc = new DOMParser().parseFromString(html, 'text/html');
      app.innerHTML = doc.getElementById('app').innerHTML;
      $('#ep-data').textContent = doc.getElementById('ep-data').textContent;
      start();
    }).catch(function (e) { note('Could not load ' + uri + ': ' + e.message); });
  }
  handlers['ui/notifications/tool-input'] = function (p) {
    var a = p.arguments || {}, want = {};
    ['from', 'to'].forEach(function (k) { if (a[k]) want[k] = a[k]; });
    if (D.view === 'scorecard' && a.mep_id) want.mep_id = a.mep_id;
    if (D.view === 'policy-area') ['subject', 'concept'].forEach(function (k) { if (a[k]) want[k] = a[k]; });
    if (D.view === 'hemicycle' && a.date) want.date = a.date;
    var same = Object.keys(want).length === Object.keys(D.args).length &&
      Object.keys(want).every(function (k) { return String(D.args[k]) === String(want[k]); });
    if (!same) reload('ui://epintel/' + D.view + qs(want));
  };
  handlers['ui/notifications/tool-result'] = function (p) {
    epUi.toolResult = p;
  };

  start();
  if (framed) {
    request('ui/initialize', {
      appInfo: { name: 'epintel-' + D.view, version: D.version },
      appCapabilities: {},
      protocolVersion: '2026-01-26'
    }).then(function (r) {
      epUi.bridge = true;
      epUi.host = r && r.hostInfo;
      notify('ui/notifications/initialized', {});
      sizeChanged();
    }).catch(function () { epUi.bridge = false; });
  }
})();
