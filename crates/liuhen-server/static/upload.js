// liuhen uploader: a small tus 1.0 client (creation, checksum-free resume
// by HEAD) for many files at once, with per-file and total progress. An
// upload's URL is kept in localStorage under the file's fingerprint, so
// after a reload or a dropped network the same file resumes where the
// server says it stopped.
'use strict';

(function () {
  const form = document.getElementById('upload-form');
  if (!form) return;
  const zh = document.body.dataset.lang !== 'en';
  const csrf = document.body.dataset.csrf || '';
  const list = document.getElementById('files');
  const total = document.getElementById('total');
  const start = document.getElementById('start');
  const drop = document.getElementById('drop');
  const picker = document.getElementById('up-files');
  const tpl = document.getElementById('row-template');
  const CHUNK = 4 * 1024 * 1024;
  const entries = [];

  const say = (z, e) => (zh ? z : e);
  const b64 = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));
  const pad = (n) => String(n).padStart(2, '0');

  function human(n) {
    if (n >= 1 << 30) return (n / (1 << 30)).toFixed(2) + ' GiB';
    if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + ' MiB';
    if (n >= 1 << 10) return (n / (1 << 10)).toFixed(0) + ' KiB';
    return n + ' B';
  }

  // Cameras name files by their start: 20260302_093000, 20260302093000, 2026-03-02_09-30-00.
  function startFromName(name) {
    const m = name.match(/(20\d{2})-?(\d{2})-?(\d{2})[_\-T ]?(\d{2})-?(\d{2})-?(\d{2})/);
    return m ? m[1] + '-' + m[2] + '-' + m[3] + 'T' + m[4] + ':' + m[5] + ':' + m[6] : '';
  }

  function fingerprint(f) {
    return 'liuhen-upload:' + [f.name, f.size, f.lastModified, form.elements.case_id ? form.elements.case_id.value : ''].join(':');
  }

  function add(files) {
    for (const file of files) {
      if (entries.some((e) => e.file.name === file.name && e.file.size === file.size && !e.done)) continue;
      const li = tpl.content.firstElementChild.cloneNode(true);
      const n = entries.length;
      li.querySelector('.name').textContent = file.name;
      li.querySelector('.size').textContent = human(file.size);
      const input = li.querySelector('.start');
      input.id = 'start-' + n;
      li.querySelector('.start-label').htmlFor = input.id;
      input.value = startFromName(file.name);
      li.querySelector('.bar').setAttribute('aria-label', file.name);
      const stored = localStorage.getItem(fingerprint(file));
      li.querySelector('.status').textContent = stored ? say('此前已上传部分，将从中断处续传', 'partly uploaded before; it resumes') : say('等待上传', 'waiting');
      list.appendChild(li);
      entries.push({ file, li, sent: 0, done: false });
    }
    start.disabled = !entries.some((e) => !e.done);
    progress();
  }

  function progress() {
    const all = entries.reduce((s, e) => s + e.file.size, 0);
    const sent = entries.reduce((s, e) => s + (e.done ? e.file.size : e.sent), 0);
    total.value = all ? sent / all : 0;
  }

  function status(e, text, bad) {
    const p = e.li.querySelector('.status');
    p.textContent = text;
    p.classList.toggle('form-error', !!bad);
    p.classList.toggle('muted', !bad);
  }

  function metadata(e) {
    const pairs = { filename: e.file.name, filetype: e.file.type || 'application/octet-stream' };
    for (const k of ['case_id', 'device_serial', 'clock_offset_ms', 'label', 'officer', 'station_id']) {
      const el = form.elements[k];
      if (el && el.value.trim()) pairs[k] = el.value.trim();
    }
    const s = e.li.querySelector('.start').value;
    if (s) pairs.recorded_start = (s.length === 16 ? s + ':00' : s) + '+08:00';
    return Object.entries(pairs).map(([k, v]) => k + ' ' + b64(v)).join(',');
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  async function explain(resp) {
    const e = await window.liuhenExplain(resp);
    return e.message + (e.detail ? (zh ? '。' : '. ') + e.detail : '');
  }

  // Creates the upload, or finds where a stored one stands.
  async function locate(e) {
    const key = fingerprint(e.file);
    const known = localStorage.getItem(key);
    if (known) {
      const r = await fetch(known, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' }, credentials: 'same-origin', cache: 'no-store' });
      if (r.ok) return { url: known, offset: Number(r.headers.get('upload-offset') || 0) };
      localStorage.removeItem(key); // expired or gone: start again
    }
    const r = await fetch('/api/v1/uploads', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'tus-resumable': '1.0.0', 'upload-length': String(e.file.size),
        'upload-metadata': metadata(e), 'x-liuhen-csrf': csrf,
      },
    });
    if (r.status !== 201) throw new Error(await explain(r));
    const url = new URL(r.headers.get('location'), location.href).pathname;
    localStorage.setItem(key, url);
    return { url, offset: 0 };
  }

  async function send(e) {
    let attempt = 0;
    for (;;) {
      try {
        const { url, offset: from } = await locate(e);
        let offset = from;
        e.sent = offset;
        progress();
        while (offset < e.file.size) {
          const size = Number(form.dataset.chunk) || CHUNK;
          const chunk = e.file.slice(offset, Math.min(offset + size, e.file.size));
          const r = await fetch(url, {
            method: 'PATCH',
            credentials: 'same-origin',
            headers: {
              'tus-resumable': '1.0.0', 'upload-offset': String(offset),
              'content-type': 'application/offset+octet-stream', 'x-liuhen-csrf': csrf,
            },
            body: chunk,
          });
          if (r.status === 409) break; // offsets disagree: ask the server again
          if (r.status === 507) {
            status(e, await explain(r), true);
            return false;
          }
          if (r.status === 503 || r.status === 429) {
            status(e, say('服务器繁忙，稍后自动重试…', 'busy; retrying…'));
            await sleep(Number(r.headers.get('retry-after') || 5) * 1000);
            continue;
          }
          if (r.status !== 204) throw Object.assign(new Error(await explain(r)), { final: r.status < 500 });
          offset = Number(r.headers.get('upload-offset'));
          e.sent = offset;
          e.li.querySelector('.bar').value = e.file.size ? offset / e.file.size : 1;
          status(e, say('已上传 ', 'sent ') + human(offset) + ' / ' + human(e.file.size));
          progress();
          const id = r.headers.get('liuhen-evidence-id');
          if (id) {
            localStorage.removeItem(fingerprint(e.file));
            e.done = true;
            e.li.querySelector('.bar').value = 1;
            const p = e.li.querySelector('.status');
            p.textContent = '';
            const a = document.createElement('a');
            a.href = '/evidence/' + id;
            a.textContent = say('已入库，查看', 'stored; open it');
            p.append(a, document.createElement('br'),
              'SHA-256 ' + r.headers.get('liuhen-evidence-sha256'), document.createElement('br'),
              'SM3 ' + r.headers.get('liuhen-evidence-sm3'));
            p.classList.add('mono');
            progress();
            return true;
          }
        }
        if (offset >= e.file.size && e.file.size > 0) continue;
      } catch (err) {
        if (err.final) {
          status(e, err.message, true);
          return false;
        }
        attempt += 1;
        const wait = Math.min(30, 2 ** Math.min(attempt, 5));
        status(e, say('网络中断，' + wait + ' 秒后自动续传（' + (err.message || '') + '）', 'network lost; resuming in ' + wait + ' s'), true);
        await sleep(wait * 1000);
      }
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    start.disabled = true;
    for (const e of entries) {
      if (!e.done) await send(e);
    }
    start.disabled = !entries.some((e) => !e.done);
  });
  picker.addEventListener('change', () => add(picker.files));
  drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (ev) => { ev.preventDefault(); drop.classList.remove('over'); add(ev.dataTransfer.files); });
  drop.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); picker.click(); } });
})();
