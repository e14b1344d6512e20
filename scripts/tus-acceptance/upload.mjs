// Acceptance of liuhen's tus server with the official JavaScript client:
// a 50 MiB upload is interrupted, resumed from where the server says it
// stands, and the digest liuhen stored must equal sha256sum's.
// Usage: node upload.mjs BASE_URL TOKEN FILE
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import * as tus from "tus-js-client";

const [base, token, file] = process.argv.slice(2);
if (!base || !token || !file) {
  console.error("usage: node upload.mjs BASE_URL TOKEN FILE");
  process.exit(2);
}
const data = readFileSync(file);
const expected = execFileSync("sha256sum", [file]).toString().split(/\s+/)[0];
let passed = 0;
let failed = 0;
const check = (name, ok, detail = "") => {
  if (ok) passed++; else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${detail ? ` (${detail})` : ""}`);
};

const common = {
  endpoint: `${base}/api/v1/uploads`,
  headers: { Authorization: `Bearer ${token}` },
  chunkSize: 4 * 1024 * 1024,
  retryDelays: [],
  metadata: { filename: "FILE0001.MP4", filetype: "video/mp4", recorded_start: "2026-03-02T09:30:00+08:00" },
};

// First attempt: stop it part-way, as a pulled cable would.
const firstUrl = await new Promise((resolve, reject) => {
  const upload = new tus.Upload(data, {
    ...common,
    onError: reject,
    onSuccess: () => reject(new Error("the first attempt was meant to be interrupted")),
    onProgress: (sent) => {
      if (sent >= 20 * 1024 * 1024 && !upload._liuhenStopped) {
        upload._liuhenStopped = true;
        upload.abort().then(() => resolve(upload.url), reject);
      }
    },
  });
  upload.start();
});
check("the first attempt was interrupted with an upload URL", typeof firstUrl === "string" && firstUrl.length > 0, firstUrl);

// Second attempt: a new client resumes the same upload.
let resumedFrom = -1;
const stored = {};
await new Promise((resolve, reject) => {
  const upload = new tus.Upload(data, {
    ...common,
    uploadUrl: firstUrl,
    onError: reject,
    onSuccess: resolve,
    onAfterResponse: (req, res) => {
      if (req.getMethod() === "HEAD") resumedFrom = Number(res.getHeader("Upload-Offset"));
      for (const h of ["Liuhen-Evidence-Id", "Liuhen-Evidence-Sha256", "Liuhen-Evidence-Sm3"]) {
        const v = res.getHeader(h);
        if (v) stored[h] = v;
      }
    },
  });
  upload.start();
});
check("the second client resumed from the stored offset", resumedFrom >= 20 * 1024 * 1024 && resumedFrom < data.length, `offset ${resumedFrom}`);
check("the server named the new evidence", Boolean(stored["Liuhen-Evidence-Id"]));
check("the stored SHA-256 equals sha256sum's", stored["Liuhen-Evidence-Sha256"] === expected, `${stored["Liuhen-Evidence-Sha256"]} vs ${expected}`);

// The record agrees, and the content reads back.
const rec = await (await fetch(`${base}/api/v1/evidence/${stored["Liuhen-Evidence-Id"]}`, { headers: common.headers })).json();
check("the evidence record has the file's size and digest", rec.size === data.length && rec.sha256 === expected);
const tail = await fetch(`${base}/api/v1/evidence/${rec.id}/content`, { headers: { ...common.headers, Range: "bytes=-1024" } });
const bytes = Buffer.from(await tail.arrayBuffer());
check("a range read returns the file's last KiB", tail.status === 206 && bytes.equals(data.subarray(data.length - 1024)));

console.log(`tus-js-client: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
