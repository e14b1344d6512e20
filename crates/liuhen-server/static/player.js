// liuhen evidence player: seek buttons, speed, and the time code in
// corrected Beijing time (the clip's corrected start + the position).
'use strict';

(function () {
  const media = document.getElementById('media');
  if (!media) return;
  const code = document.getElementById('timecode');
  const pos = document.getElementById('position');
  const start = Number.parseInt(media.dataset.startMs || '', 10);
  const pad = (n) => String(n).padStart(2, '0');

  function beijing(ms) {
    // Beijing time is UTC+8 all year.
    const d = new Date(ms + 8 * 3600 * 1000);
    return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate()) + ' ' +
      pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
  }

  function position(s) {
    const t = Math.floor(s);
    const h = Math.floor(t / 3600);
    const m = Math.floor((t % 3600) / 60);
    return (h ? h + ':' + pad(m) : String(m)) + ':' + pad(t % 60);
  }

  function update() {
    if (!Number.isNaN(start) && code) code.textContent = beijing(start + Math.round(media.currentTime * 1000));
    if (pos) pos.textContent = position(media.currentTime) + (Number.isFinite(media.duration) ? ' / ' + position(media.duration) : '');
  }

  media.addEventListener('timeupdate', update);
  media.addEventListener('seeked', update);
  media.addEventListener('loadedmetadata', update);
  document.querySelectorAll('[data-seek]').forEach((b) => b.addEventListener('click', () => {
    const to = media.currentTime + Number(b.dataset.seek);
    media.currentTime = Math.max(0, Number.isFinite(media.duration) ? Math.min(to, media.duration) : to);
  }));
  const speed = document.getElementById('speed');
  if (speed) speed.addEventListener('change', () => { media.playbackRate = Number(speed.value); });
  // Keyboard: space plays or pauses, arrows seek 5 s, when the player has focus.
  media.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowLeft') { media.currentTime = Math.max(0, media.currentTime - 5); ev.preventDefault(); }
    if (ev.key === 'ArrowRight') { media.currentTime += 5; ev.preventDefault(); }
  });
})();
