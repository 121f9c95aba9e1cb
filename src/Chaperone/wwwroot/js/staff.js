// Live concern alerts for the DSL, deputies and senior leaders (clause 12), on every staff page.
// The alert carries no content: the kind, the reference, who raised it, and a link to read it.
(() => {
  'use strict';
  const region = document.querySelector('[data-staff-alerts]');
  if (!region || !window.signalR) return;

  const inbox = document.querySelector('[data-concern-inbox] tbody');
  const live = document.querySelector('[data-inbox-live]');

  function cell(row, text) {
    const td = document.createElement('td');
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function show(alert) {
    const p = document.createElement('p');
    p.className = 'notice ' + (alert.escalated ? 'notice-warning' : 'notice-alert');
    p.append(alert.message + ' ');
    const a = document.createElement('a');
    a.href = alert.url;
    a.textContent = 'Open ' + alert.reference;
    p.appendChild(a);
    region.prepend(p);

    if (inbox) {
      const existing = inbox.querySelector(`tr[data-concern="${CSS.escape(alert.concernId)}"]`);
      if (existing) existing.remove();
      const row = document.createElement('tr');
      row.dataset.concern = alert.concernId;
      row.className = 'new-alert';
      const first = document.createElement('td');
      const link = document.createElement('a');
      link.href = alert.url;
      link.textContent = alert.reference;
      first.appendChild(link);
      row.appendChild(first);
      cell(row, alert.kind === 'safeguarding' ? 'Safeguarding' : 'Behaviour');
      cell(row, 'Open it to see');
      cell(row, 'Open it to see');
      cell(row, alert.raisedBy);
      cell(row, alert.atLocal);
      const state = cell(row, '');
      const badge = document.createElement('span');
      badge.className = 'badge badge-live';
      badge.textContent = alert.escalated ? 'Escalated: not acknowledged' : 'Awaiting acknowledgement';
      state.appendChild(badge);
      inbox.prepend(row);
      document.querySelector('[data-inbox-empty]')?.remove();
      if (live) { live.hidden = false; live.textContent = alert.message; }
    }
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/staff')
    .withAutomaticReconnect()
    .build();
  connection.on('concernAlert', show);
  // Refused (401, 403: signed out, or signing in is not finished) is not a dropped connection: trying
  // again every few seconds would only be refused again, so the page stops until it is loaded anew.
  let refused = false;
  const start = () => connection.start()
    .then(() => document.documentElement.dataset.staffHub = 'connected')
    .catch(e => {
      if (e && (e.statusCode === 401 || e.statusCode === 403)) { refused = true; return; }
      setTimeout(start, 5000);
    });
  connection.onclose(() => { if (!refused) setTimeout(start, 5000); });
  start();
})();
