// liuhen supervision feed: the SSE stream (/api/v1/supervision/stream),
// newest first, alerts highlighted, filtered by class and text.
'use strict';

(function () {
  const feed = document.getElementById('feed');
  if (!feed) return;
  const zh = feed.dataset.lang !== 'en';
  const state = document.getElementById('live-state');
  let people = {};
  try { people = JSON.parse(feed.dataset.people || '{}'); } catch (_) { people = {}; }
  const names = (t) => String(t || '').replace(/user:[0-9a-f-]{36}/g, (m) => people[m] || m);
  const pad = (n) => String(n).padStart(2, '0');
  const beijing = (iso) => {
    const d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
  };
  const filters = document.getElementById('feed-filters');
  const q = document.getElementById('feed-q');

  function visible(li) {
    const on = Array.from(filters.querySelectorAll('input[type=checkbox]:checked')).map((c) => c.value);
    const text = q.value.trim();
    return on.includes(li.dataset.class) && (!text || li.textContent.includes(text));
  }
  function refilter() { feed.querySelectorAll('li').forEach((li) => { li.hidden = !visible(li); }); }
  filters.addEventListener('change', refilter);
  q.addEventListener('input', refilter);

  function add(cls, ev) {
    let e;
    try { e = JSON.parse(ev.data); } catch (_) { return; }
    if (feed.querySelector('[data-id="' + CSS.escape(e.id) + '"]')) return;
    const li = document.createElement('li');
    li.className = cls;
    li.dataset.class = cls;
    li.dataset.id = e.id;
    const when = document.createElement('span');
    when.className = 'when';
    when.textContent = beijing(e.time);
    const what = document.createElement('strong');
    what.textContent = e.label_zh;
    li.append(when, ' · ', what, ' · ' + names(e.actor));
    if (e.message_zh) li.append(' — ' + names(e.message_zh));
    const subj = document.createElement('span');
    subj.className = 'muted';
    const subjects = e.subjects || [];
    const cases = subjects.filter((s) => s.startsWith('case:')).length;
    if (cases > 3) subj.append(' ' + (zh ? cases + ' 个案件' : cases + ' cases'));
    for (const s of subjects) {
      const [kind, id] = s.split(/:(.*)/s);
      const link = { case: cases <= 3 && ['案件', 'case', '/cases/'], evidence: ['证据', 'evidence', '/evidence/'], document: ['文书', 'document', '/documents/'] }[kind];
      if (kind === 'user') { subj.append(' ' + names(s)); continue; }
      if (!link) continue;
      if (!feed.dataset.links) { subj.append(' ' + (zh ? link[0] : link[1])); continue; }
      const a = document.createElement('a');
      a.href = link[2] + id;
      a.textContent = zh ? link[0] : link[1];
      subj.append(' ', a);
    }
    const link = document.createElement(feed.dataset.ledger ? 'a' : 'span');
    link.className = 'muted';
    if (feed.dataset.ledger) link.href = '/ledger?index=' + e.seq;
    link.textContent = ' #' + e.seq;
    li.append(subj, link);
    li.hidden = !visible(li);
    feed.prepend(li);
    while (feed.children.length > 500) feed.lastElementChild.remove();
  }

  const source = new EventSource('/api/v1/supervision/stream');
  for (const cls of ['access', 'refusal', 'override', 'change', 'alert']) {
    source.addEventListener(cls, (ev) => add(cls, ev));
  }
  source.addEventListener('lagged', () => { state.textContent = zh ? '部分动态因积压未显示' : 'some events were skipped'; });
  source.addEventListener('ended', () => { state.textContent = zh ? '监督流已结束（权限变化）' : 'the stream ended'; source.close(); });
  source.onopen = () => { state.textContent = zh ? '已连接，实时更新' : 'live'; };
  source.onerror = () => { state.textContent = zh ? '连接中断，正在重连…' : 'reconnecting…'; };
})();
