/* pgcadence admin console: dialogs, forms that call the admin API, live refresh.
   No dependencies; loaded from the page (the Content-Security-Policy allows no inline script).

   Markup it understands:
     [data-live="NAME"]            refreshed every 5 s (data-interval ms) from ?fragment=NAME
     [data-open="ID"]              opens <dialog id=ID>;  [data-close] closes its dialog
     a[data-detail="NAME"]         opens its href's ?fragment=NAME in the detail dialog
     [data-detail-url="URL"]       the same for a button
     form[data-api="URL"]          submits its fields as JSON (POST), errors shown in [data-error]
     [data-action="URL"]           POSTs (data-body JSON), after data-confirm; data-done is the message
     input[data-toggle-job]        the cron job's active switch
     [data-edit-job]               opens the schedule dialog for that job
     input[data-preview="ID"]      live schedule validation into #ID (description, next runs)
     textarea[data-json]           must hold a JSON object; the message goes to [data-json-error]
     [data-bulk="retry|cancel"]    retries / cancels the jobs matching the filter form, after a count
*/
(function () {
  'use strict';

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.content : '';
  }

  function api(method, url, body) {
    var opts = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json' } };
    if (method !== 'GET') { opts.headers['X-CSRF-Token'] = csrf(); }
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!r.ok) {
          var err = new Error(data && data.message ? data.message : 'HTTP ' + r.status);
          err.status = r.status;
          throw err;
        }
        return data;
      });
    });
  }

  var flashTimer = null;
  function flash(message, kind) {
    var f = document.getElementById('flash');
    if (!f) { return; }
    f.textContent = message;
    f.className = 'flash ' + (kind || 'ok');
    f.setAttribute('role', kind === 'bad' ? 'alert' : 'status');
    f.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { f.hidden = true; }, 10000);
  }

  function fill(template, data) {
    return (template || '').replace(/\{(\w+)\}/g, function (_, k) {
      return data && data[k] !== undefined && data[k] !== null ? String(data[k]) : '';
    });
  }

  // ------------------------------------------------------------ live regions
  function anyDialogOpen() {
    return !!document.querySelector('dialog[open]');
  }

  // A selector that finds the focused control again after its region is re-rendered.
  function focusKey(el) {
    var attrs = ['data-edit-job', 'data-toggle-job', 'data-action', 'data-bulk', 'href', 'id'];
    for (var i = 0; i < attrs.length; i++) {
      var v = el.getAttribute(attrs[i]);
      if (v) { return el.tagName.toLowerCase() + '[' + attrs[i] + '="' + CSS.escape(v) + '"]'; }
    }
    return null;
  }

  function isTyping(el) {
    return /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName) && el.type !== 'checkbox';
  }

  // force: after the user's own action (else a timer tick, which waits while they type)
  function refresh(region, force) {
    var url = new URL(window.location.href);
    url.searchParams.set('fragment', region.getAttribute('data-live'));
    return fetch(url.toString(), { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) {
        if (r.redirected || !r.ok) { return null; }
        return r.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var active = document.activeElement;
        var inside = region.contains(active);
        if (inside && isTyping(active) && !force) { return; }
        var key = inside ? focusKey(active) : null;
        region.innerHTML = html;
        region.setAttribute('data-refreshed', String(Date.now()));
        if (key) {
          var again = region.querySelector(key);
          if (again) { again.focus(); }
        }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  function refreshAll() {
    var regions = document.querySelectorAll('[data-live]');
    return Promise.all(Array.prototype.map.call(regions, function (r) { return refresh(r, true); }));
  }

  function startLive() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-live]'), function (region) {
      var every = parseInt(region.getAttribute('data-interval') || '5000', 10);
      setInterval(function () {
        if (document.hidden || anyDialogOpen()) { return; }
        refresh(region, false);
      }, every);
    });
  }

  // ------------------------------------------------------------ dialogs
  function openDialog(d) {
    if (d && !d.open) { d.showModal(); }
    var first = d && d.querySelector('input:not([type=hidden]):not([readonly]), select, textarea, button');
    if (first) { first.focus(); }
  }

  function showDetail(url, title) {
    var d = document.getElementById('detail-dialog');
    var body = d.querySelector('[data-detail-body]');
    d.querySelector('#detail-title').textContent = title || 'Details';
    body.textContent = 'Loading…';
    openDialog(d);
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.text().then(function (t) { return { ok: r.ok, text: t }; }); })
      .then(function (res) {
        if (res.ok) { body.innerHTML = res.text; } else { body.textContent = 'Could not load the details.'; }
      })
      .catch(function () { body.textContent = 'Could not load the details.'; });
  }

  var confirmResolve = null;
  function confirmBox(text) {
    var d = document.getElementById('confirm-dialog');
    d.querySelector('[data-confirm-text]').textContent = text;
    return new Promise(function (resolve) {
      confirmResolve = resolve;
      d.showModal();
      d.querySelector('[data-confirm-yes]').focus();
    });
  }
  function closeConfirm(answer) {
    var d = document.getElementById('confirm-dialog');
    if (d.open) { d.close(); }
    if (confirmResolve) { var r = confirmResolve; confirmResolve = null; r(answer); }
  }

  // ------------------------------------------------------------ forms
  function jsonProblem(textarea) {
    var text = textarea.value.trim();
    if (text === '') { return null; }
    try {
      var value = JSON.parse(text);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        return 'The payload must be a JSON object, like {"key": "value"}.';
      }
      return null;
    } catch (e) {
      return 'Not valid JSON: ' + e.message;
    }
  }

  function checkJson(textarea) {
    var problem = jsonProblem(textarea);
    var out = textarea.form && textarea.form.querySelector('[data-json-error]');
    if (out) { out.textContent = problem || ''; }
    textarea.setAttribute('aria-invalid', problem ? 'true' : 'false');
    return !problem;
  }

  function formBody(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) { return; }
      if (el.type === 'checkbox') { body[el.name] = el.checked; return; }
      var v = el.value;
      if (el.hasAttribute('data-optional') && v.trim() === '') { return; }
      if (el.getAttribute('data-type') === 'int') { body[el.name] = v === '' ? null : parseInt(v, 10); return; }
      body[el.name] = v;
    });
    return body;
  }

  function submitApiForm(form) {
    var errorBox = form.querySelector('[data-error]');
    if (errorBox) { errorBox.textContent = ''; }
    var ok = true;
    Array.prototype.forEach.call(form.querySelectorAll('textarea[data-json]'), function (t) { ok = checkJson(t) && ok; });
    if (!ok) { return; }
    var body = formBody(form);
    var button = form.querySelector('[type=submit]');
    if (button) { button.disabled = true; }
    api(form.getAttribute('data-method') || 'POST', form.getAttribute('data-api'), body)
      .then(function (data) {
        var dialog = form.closest('dialog');
        if (dialog) { dialog.close(); }
        flash(fill(form.getAttribute('data-success') || 'Done', Object.assign({}, body, data || {})), 'ok');
        form.reset();
        Array.prototype.forEach.call(form.querySelectorAll('.preview-box'), function (b) { b.textContent = ''; });
        return refreshAll();
      })
      .catch(function (err) {
        if (errorBox) { errorBox.textContent = err.message; } else { flash(err.message, 'bad'); }
      })
      .then(function () { if (button) { button.disabled = false; } });
  }

  // ------------------------------------------------------------ schedule preview
  var previewTimers = {};
  function preview(input) {
    var target = document.getElementById(input.getAttribute('data-preview'));
    var tzInput = input.getAttribute('data-tz') ? document.getElementById(input.getAttribute('data-tz')) : null;
    var schedule = input.value.trim();
    if (!target) { return; }
    if (schedule === '') { target.textContent = ''; input.removeAttribute('aria-invalid'); return; }
    var url = '/api/admin/cron/preview?schedule=' + encodeURIComponent(schedule);
    if (tzInput && tzInput.value.trim()) { url += '&timezone=' + encodeURIComponent(tzInput.value.trim()); }
    api('GET', url).then(function (data) {
      if (input.value.trim() !== schedule) { return; }
      input.setAttribute('aria-invalid', 'false');
      target.className = 'preview-box ok';
      target.textContent = '';
      var p = document.createElement('p');
      p.setAttribute('data-description', '');
      p.textContent = data.description;
      target.appendChild(p);
      if (data.next_runs && data.next_runs.length) {
        var label = document.createElement('p');
        label.className = 'small muted';
        label.textContent = 'Next runs (UTC):';
        target.appendChild(label);
        var ol = document.createElement('ol');
        ol.className = 'next-runs';
        data.next_runs.forEach(function (t) {
          var li = document.createElement('li');
          li.textContent = t.replace('T', ' ').replace(/(\.\d+)?\+00:00$/, ' UTC');
          ol.appendChild(li);
        });
        target.appendChild(ol);
      }
    }).catch(function (err) {
      if (input.value.trim() !== schedule) { return; }
      input.setAttribute('aria-invalid', 'true');
      target.className = 'preview-box bad';
      target.textContent = err.message;
    });
  }
  function schedulePreview(input) {
    var key = input.id;
    clearTimeout(previewTimers[key]);
    previewTimers[key] = setTimeout(function () { preview(input); }, 250);
  }

  // ------------------------------------------------------------ actions
  function runAction(el) {
    var go = el.getAttribute('data-confirm') ? confirmBox(el.getAttribute('data-confirm')) : Promise.resolve(true);
    go.then(function (yes) {
      if (!yes) { return; }
      var body = el.getAttribute('data-body') ? JSON.parse(el.getAttribute('data-body')) : undefined;
      el.disabled = true;
      api('POST', el.getAttribute('data-action'), body)
        .then(function (data) {
          if (el.hasAttribute('data-run-result') && data) {
            flash('Run ' + data.runid + ' ' + data.status + ': ' + (data.return_message || ''), data.status === 'failed' ? 'bad' : 'ok');
          } else {
            flash(fill(el.getAttribute('data-done') || 'Done', data), 'ok');
          }
          return refreshAll();
        })
        .catch(function (err) { flash(err.message, 'bad'); })
        .then(function () { el.disabled = false; });
    });
  }

  function toggleJob(input) {
    var name = input.getAttribute('data-toggle-job');
    var wanted = input.checked;
    input.disabled = true;
    api('POST', '/api/admin/cron-jobs/toggle', { jobName: name, active: wanted })
      .then(function (data) {
        var badge = input.closest('td') && input.closest('td').querySelector('[data-state]');
        if (badge) { badge.textContent = data.active ? 'active' : 'inactive'; badge.className = 'badge ' + (data.active ? 'ok' : 'off'); }
        flash(name + (data.active ? ' enabled' : ' disabled'), 'ok');
      })
      .catch(function (err) { input.checked = !wanted; flash(err.message, 'bad'); })
      .then(function () { input.disabled = false; });
  }

  function bulk(button) {
    var form = button.closest('form');
    var action = button.getAttribute('data-bulk');
    var body = {
      action: action,
      status: form.elements.status.value,
      taskType: form.elements.task_type.value || null,
      q: form.elements.q.value || null,
      dryRun: true
    };
    api('POST', '/api/admin/jobs/bulk', body).then(function (count) {
      if (!count.matched) { flash('No jobs match these filters.', 'bad'); return; }
      var what = count.matched + ' ' + body.status + ' job(s)' + (body.taskType ? ' of type ' + body.taskType : '') +
        (body.q ? ' containing "' + body.q + '"' : '');
      return confirmBox((action === 'retry' ? 'Retry ' : 'Cancel ') + what + '?').then(function (yes) {
        if (!yes) { return; }
        body.dryRun = false;
        return api('POST', '/api/admin/jobs/bulk', body).then(function (res) {
          var msg = (action === 'retry' ? 'Retried ' : 'Cancelled ') + res.changed + ' job(s)' +
            (res.skipped ? '; ' + res.skipped + ' skipped: ' + res.errors.join('; ') : '');
          flash(msg, res.skipped ? 'bad' : 'ok');
          return refreshAll();
        });
      });
    }).catch(function (err) { flash(err.message, 'bad'); });
  }

  // ------------------------------------------------------------ wiring (delegated: fragments come and go)
  document.addEventListener('click', function (ev) {
    var t = ev.target.closest('[data-open], [data-close], a[data-detail], [data-detail-url], [data-action], [data-edit-job], [data-bulk], [data-confirm-yes], [data-confirm-no]');
    if (!t) { return; }
    if (t.hasAttribute('data-confirm-yes')) { closeConfirm(true); return; }
    if (t.hasAttribute('data-confirm-no')) { closeConfirm(false); return; }
    if (t.hasAttribute('data-open')) { openDialog(document.getElementById(t.getAttribute('data-open'))); return; }
    if (t.hasAttribute('data-close')) { var d = t.closest('dialog'); if (d) { d.close(); } return; }
    if (t.matches('a[data-detail]')) {
      if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button === 1) { return; }  // new tab: the full page
      ev.preventDefault();
      var u = new URL(t.href);
      u.searchParams.set('fragment', t.getAttribute('data-detail'));
      showDetail(u.toString(), t.getAttribute('data-detail-title'));
      return;
    }
    if (t.hasAttribute('data-detail-url')) { showDetail(t.getAttribute('data-detail-url'), t.getAttribute('data-detail-title')); return; }
    if (t.hasAttribute('data-action')) { ev.preventDefault(); runAction(t); return; }
    if (t.hasAttribute('data-bulk')) { bulk(t); return; }
    if (t.hasAttribute('data-edit-job')) {
      var dlg = document.getElementById('edit-dialog');
      dlg.querySelector('[name=jobName]').value = t.getAttribute('data-edit-job');
      var s = dlg.querySelector('[name=schedule]');
      s.value = t.getAttribute('data-schedule');
      dlg.querySelector('[name=timezone]').value = t.getAttribute('data-timezone') || '';
      dlg.querySelector('[data-error]').textContent = '';
      openDialog(dlg);
      s.focus();
      preview(s);
    }
  });

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (form.hasAttribute('data-api')) { ev.preventDefault(); submitApiForm(form); }
  });

  document.addEventListener('input', function (ev) {
    var t = ev.target;
    if (t.hasAttribute('data-preview')) { schedulePreview(t); }
    if (t.hasAttribute('data-json')) { checkJson(t); }
    if (t.id && document.querySelector('[data-tz="' + t.id + '"]')) { schedulePreview(document.querySelector('[data-tz="' + t.id + '"]')); }
  });

  document.addEventListener('change', function (ev) {
    var t = ev.target;
    if (t.hasAttribute('data-toggle-job')) { toggleJob(t); }
    if (t.form && t.form.hasAttribute('data-bulk-form') && t.name === 'status') {
      Array.prototype.forEach.call(t.form.querySelectorAll('[data-bulk]'), function (b) { b.disabled = !t.value; });
    }
  });

  document.addEventListener('close', function (ev) {
    if (ev.target.id === 'confirm-dialog' && confirmResolve) { closeConfirm(false); }
  }, true);

  document.addEventListener('DOMContentLoaded', startLive);
}());
