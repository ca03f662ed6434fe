// Times the npm package ioc-extractor over one text file, the peer side of
// bench/ioc/run.sh: one process, one warm-up, best of N timed rounds of
// extraction only (reading the file is not timed).
//
// usage: node peer.cjs FILE ROUNDS [VALUES_OUT]
'use strict';
const fs = require('fs');
const { extractIOC } = require('ioc-extractor');

const [file, roundsArg, valuesOut] = process.argv.slice(2);
const text = fs.readFileSync(file, 'utf8');
const bytes = Buffer.byteLength(text);
const rounds = Number(roundsArg || 3);

let res = extractIOC(text); // warm-up
let best = Infinity;
let bestCPU = Infinity;
for (let i = 0; i < rounds; i++) {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  res = extractIOC(text);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  best = Math.min(best, s);
  bestCPU = Math.min(bestCPU, (c.user + c.system) / 1e6);
}

// ioc-extractor's keys, mapped to spoor's type names where they overlap.
const names = {
  ipv4s: 'ipv4', ipv6s: 'ipv6', domains: 'domain', urls: 'url', emails: 'email',
  md5s: 'md5', sha1s: 'sha1', sha256s: 'sha256', sha512s: 'sha512', cves: 'cve', asns: 'asn',
};
const distinct = {};
const lines = [];
for (const [k, vs] of Object.entries(res)) {
  const t = names[k] || k;
  distinct[t] = vs.length;
  // Compare canonical forms: spoor reports hashes and domains in lower
  // case and CVE IDs in upper case; ioc-extractor keeps them as written.
  for (let v of vs) {
    if (/^(md5|sha1|sha256|sha512|domain)$/.test(t)) v = v.toLowerCase();
    if (t === 'cve') v = v.toUpperCase();
    lines.push(`${t}\t${v}`);
  }
}
if (valuesOut) fs.writeFileSync(valuesOut, lines.sort().join('\n') + '\n');
console.log(JSON.stringify({
  tool: 'ioc-extractor', bytes, seconds: best, cpu_seconds: bestCPU,
  mb_per_s: bytes / 1e6 / best, cpu_mb_per_s: bytes / 1e6 / bestCPU, distinct,
}));
