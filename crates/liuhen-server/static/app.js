// liuhen (留痕) web UI: sends the pages' forms to the JSON API with the
// session's CSRF token, and shows what the server answers in the page —
// nothing the user typed is lost when a change is refused.
'use strict';

(function () {
  const body = document.body;
  const zh = body.dataset.lang !== 'en';
  const csrf = body.dataset.csrf || '';

  // What each error code means, for people.
  const CODES = {
    invalid: ['填写有误', 'Invalid input'],
    invalid_json: ['提交的内容无法识别', 'The request could not be read'],
    unauthenticated: ['账号或密码不正确，或登录已过期', 'Wrong login or password, or the session expired'],
    forbidden: ['您无权进行此操作', 'You may not do this'],
    not_found: ['记录不存在，或您无权查看', 'Not found, or not yours to see'],
    conflict: ['与当前状态冲突', 'Conflicts with the current state'],
    locked: ['登录失败次数过多，已暂时锁定', 'Too many failed sign-ins; locked for a while'],
    busy: ['系统繁忙，请稍后再试', 'The system is busy; try again shortly'],
    too_many_requests: ['同时进行的操作过多，请稍后再试', 'Too many at once; try again shortly'],
    payload_too_large: ['内容过大', 'Too large'],
    insufficient_storage: ['服务器存储空间不足，已保留上传进度，请联系管理员后继续', 'The server is out of storage; progress is kept, resume once an administrator made room'],
    unavailable: ['服务暂不可用，请稍后再试', 'The service is unavailable; try again shortly'],
    internal: ['系统内部错误', 'Internal error'],
  };

  function t(pair) { return zh ? pair[0] : pair[1]; }

  // The label of the input a server error names (`field`, possibly a path
  // like `parties[0].id_number`).
  function fieldInput(form, field) {
    if (!field) return null;
    const last = field.replace(/\[\d+\]/g, '').split('.').pop();
    const candidates = [field, field.replace(/\[(\d+)\]/g, '.$1'), last];
    for (const name of candidates) {
      const el = form.querySelector('[name="' + CSS.escape(name) + '"]') ||
        form.querySelector('[data-field="' + CSS.escape(name) + '"]') ||
        form.querySelector('[data-key="' + CSS.escape(name) + '"]');
      if (el) return el;
    }
    return null;
  }

  function labelOf(form, el) {
    if (!el) return '';
    if (el.id) {
      const l = form.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (l) return l.textContent.trim();
    }
    const fs = el.closest('fieldset');
    const lg = fs && fs.querySelector('legend');
    return lg ? lg.textContent.trim() : (el.getAttribute('aria-label') || el.name);
  }

  // Explains a refusal: the code's meaning, the field at fault (by its
  // label on the page) and the server's own words.
  async function explain(resp) {
    let err = { code: 'internal', message: resp.statusText };
    try { err = await resp.json(); } catch (_) { /* not JSON */ }
    const what = CODES[err.code] ? t(CODES[err.code]) : (zh ? '操作未完成' : 'Not done');
    const retry = resp.headers.get('retry-after');
    let wait = '';
    if (retry && (err.code === 'locked' || err.code === 'busy')) {
      const s = parseInt(retry, 10);
      wait = zh ? '（请 ' + (s >= 60 ? Math.ceil(s / 60) + ' 分钟' : s + ' 秒') + '后再试）'
        : ' (retry in ' + (s >= 60 ? Math.ceil(s / 60) + ' min' : s + ' s') + ')';
    }
    return { code: err.code, field: err.field, message: what + wait, detail: err.message || '' };
  }
  window.liuhenExplain = explain;

  function showError(form, e) {
    const box = form.querySelector('.form-error');
    form.querySelectorAll('[aria-invalid="true"]').forEach((el) => el.removeAttribute('aria-invalid'));
    const input = fieldInput(form, e.field);
    let text = e.message;
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      text += zh ? '：「' + labelOf(form, input) + '」' : ': "' + labelOf(form, input) + '"';
    }
    if (e.detail) text += zh ? '。' + e.detail : '. ' + e.detail;
    if (box) {
      box.textContent = text;
      box.hidden = false;
    } else {
      alert(text);
    }
    if (input) input.focus();
  }

  // `2026-03-02T09:30[:15]` (北京时间) → `2026-03-02T09:30:15+08:00`.
  function beijing(v) {
    if (!v) return undefined;
    return (v.length === 16 ? v + ':00' : v) + '+08:00';
  }

  function setPath(obj, path, value) {
    const keys = path.split('.');
    let o = obj;
    for (let i = 0; i < keys.length - 1; i++) {
      const k = /^\d+$/.test(keys[i + 1]) ? [] : {};
      const key = /^\d+$/.test(keys[i]) ? Number(keys[i]) : keys[i];
      if (o[key] === undefined) o[key] = k;
      o = o[key];
    }
    const last = keys[keys.length - 1];
    o[/^\d+$/.test(last) ? Number(last) : last] = value;
  }

  // The form as the API's JSON: dotted names nest, `data-type` converts.
  function collect(form) {
    const out = {};
    const arrays = {};
    // A control named like a form property (`elements`, `action`) hides it: read the real list.
    const controls = Object.getOwnPropertyDescriptor(HTMLFormElement.prototype, 'elements').get.call(form);
    for (const el of controls) {
      if (!el.name || el.name.startsWith('_') || el.disabled) continue;
      const key = el.dataset.key || el.name;
      if (el.closest('[data-skip]')) continue;
      const type = el.dataset.type || '';
      if (el.type === 'checkbox' && type === 'array') {
        arrays[key] = arrays[key] || [];
        if (el.checked) arrays[key].push(el.dataset.int !== undefined ? Number(el.value) : el.dataset.json !== undefined ? JSON.parse(el.value) : el.value);
        continue;
      }
      if (el.type === 'checkbox') { setPath(out, key, el.checked); continue; }
      if (el.type === 'radio') { if (el.checked) setPath(out, key, el.value); continue; }
      if (el.tagName === 'SELECT' && el.multiple) {
        setPath(out, key, Array.from(el.selectedOptions).map((o) => o.value));
        continue;
      }
      let v = el.value;
      if (v === '' && el.dataset.keep === undefined) continue;
      switch (type) {
        case 'int': v = Number.parseInt(v, 10); break;
        case 'number': v = Number(v); break;
        case 'yuan': v = Math.round(Number(v) * 100); break;
        case 'datetime': v = beijing(v); break;
        case 'list': v = v.split(/[\n,，、]/).map((s) => s.trim()).filter(Boolean); break;
        case 'json':
          try { v = JSON.parse(v); } catch (_) { /* sent as text; the server names the field */ }
          break;
        default: break;
      }
      setPath(out, key, v);
    }
    for (const [k, v] of Object.entries(arrays)) setPath(out, k, v);
    return out;
  }

  async function api(method, url, data) {
    const init = { method, headers: { 'x-liuhen-csrf': csrf }, credentials: 'same-origin' };
    if (data !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(data);
    }
    return fetch(url, init);
  }
  window.liuhenApi = api;

  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (!form.classList.contains('api-form')) return;
    ev.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const button = form.querySelector('[type="submit"]');
    if (button) button.disabled = true;
    const box = form.querySelector('.form-error');
    if (box) box.hidden = true;
    try {
      let data = collect(form);
      if (form.dataset.wrap) data = { [form.dataset.wrap]: data };
      const method = form.dataset.method || 'POST';
      const resp = await api(method, form.dataset.action, method === 'DELETE' ? undefined : data);
      if (!resp.ok) {
        showError(form, await explain(resp));
        return;
      }
      let result = {};
      try { result = await resp.json(); } catch (_) { /* 204 */ }
      // A form whose answer is shown once (a token's secret) shows that
      // field of the answer in the page instead of moving on.
      const shown = form.dataset.showResult;
      if (shown) {
        const out = form.querySelector('.form-result');
        const field = out && out.querySelector('[data-result]');
        if (field) {
          field.textContent = result[shown] === undefined ? '' : String(result[shown]);
          out.hidden = false;
          out.focus();
          return;
        }
      }
      if (form.dataset.done) window.alert(form.dataset.done);
      const next = form.dataset.next;
      if (next) {
        window.location.assign(next.replace('{id}', encodeURIComponent(result.id || '')));
      } else {
        window.location.reload();
      }
    } catch (e) {
      const network = e instanceof TypeError && /fetch|network/i.test(e.message);
      showError(form, network
        ? { message: zh ? '网络中断，请检查连接后重试；已填写的内容仍在。' : 'The network failed; what you typed is kept.' }
        : { message: zh ? '页面出错，未能提交；已填写的内容仍在。' : 'The page failed to send this; what you typed is kept.', detail: String(e && e.message || e) });
    } finally {
      if (button) button.disabled = false;
    }
  });

  document.addEventListener('click', (ev) => {
    const b = ev.target.closest('.fill-login');
    if (b) {
      document.getElementById('login').value = b.dataset.login;
      document.getElementById('password').value = b.dataset.password;
      document.getElementById('password').focus();
    }
    const pick = ev.target.closest('[data-insert]');
    if (pick) {
      const target = document.getElementById(pick.dataset.target);
      if (target) {
        const sep = target.value && !target.value.endsWith('\n') ? '\n' : '';
        target.value += sep + pick.dataset.insert;
        target.focus();
      }
    }
    const add = ev.target.closest('[data-reveal]');
    if (add) {
      const el = document.getElementById(add.dataset.reveal);
      if (el) {
        el.hidden = false;
        el.removeAttribute('data-skip');
        add.hidden = true;
      }
    }
  });

  // Party kind switch on the new-case form: only the chosen kind's fields are sent.
  document.addEventListener('change', (ev) => {
    const sel = ev.target.closest('[data-party-kind]');
    if (!sel) return;
    const box = sel.closest('fieldset');
    box.querySelectorAll('[data-kind]').forEach((g) => {
      const on = g.dataset.kind === sel.value;
      g.hidden = !on;
      g.querySelectorAll('input,select').forEach((i) => { i.disabled = !on; });
    });
  });
  document.querySelectorAll('[data-party-kind]').forEach((sel) => sel.dispatchEvent(new Event('change', { bubbles: true })));
})();
