// The test "internet" (run by netns.test.ts inside its `internet` namespace, plain JS so node
// runs it as is): an HTTPS and an HTTP server on 443/80 serving /blob and counting upload bytes
// per connection, a DNS server answering a few names, and listeners on the ports a bypass would
// use (TCP 853, 8883; UDP 443). Every happening is one JSON line on stdout for the test to read.
// argv: certFile keyFile blobFile namesJson
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createServer as createTcp } from 'node:net';

const [certFile, keyFile, blobFile, namesJson] = process.argv.slice(2);
const blob = readFileSync(blobFile);
const names = JSON.parse(namesJson);
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function handler(req, res) {
  req.socket.airlockHost = req.headers.host;
  if (req.method === 'GET' && req.url === '/blob') {
    res.writeHead(200, { 'Content-Length': blob.length }).end(blob);
    return;
  }
  let n = 0;
  req.on('data', (d) => {
    n += d.length;
  });
  req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`got ${n}\n`));
}

function counting(server, proto) {
  server.on('connection', (s) => {
    let bytes = 0;
    let told = 0;
    let reports = 0;
    const from = s.remoteAddress;
    s.on('data', (d) => {
      bytes += d.length;
    });
    // One 'conn' line per answered request (the bytes since the last line), and one at close
    // for what is left: the gateway keeps HTTP connections open for its pool, so a connection
    // may carry several requests and close seconds later.
    const report = () => {
      say({ ev: 'conn', proto, host: s.airlockHost ?? null, bytes: bytes - told, from });
      told = bytes;
      reports++;
    };
    s.airlockReport = report;
    s.on('close', () => {
      if (reports === 0 || bytes > told) report();
    });
  });
  // The HTTPS server's 'connection' socket is the raw TCP one: its Host stays null (SNI is in 'tls').
  return server;
}

const https = counting(
  createHttps({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handler),
  'https',
);
https.on('secureConnection', (t) => {
  t.on('close', () => say({ ev: 'tls', sni: t.servername || null }));
});
const http = counting(createHttp(handler), 'http');
http.on('request', (req, res) => {
  req.socket.airlockHost = req.headers.host;
  res.on('finish', () => req.socket.airlockReport?.());
});

const sinks = [853, 8883].map((port) =>
  createTcp((s) => {
    say({ ev: 'bypass-tcp', port, from: s.remoteAddress });
    s.destroy();
  }),
);

const udp443 = createSocket({ type: 'udp6' });
udp443.on('message', (_m, r) => say({ ev: 'bypass-udp', port: 443, from: r.address }));

// DNS: A records from `names`; NXDOMAIN for the rest. Every query is reported.
const dns = createSocket({ type: 'udp4' });
dns.on('message', (q, r) => {
  let i = 12;
  const labels = [];
  while (i < q.length && q[i] !== 0) {
    labels.push(q.subarray(i + 1, i + 1 + q[i]).toString('latin1'));
    i += q[i] + 1;
  }
  const qEnd = i + 5;
  const name = labels.join('.').toLowerCase();
  const qtype = q.readUInt16BE(i + 1);
  say({ ev: 'dns', name, qtype });
  const ip = names[name];
  const head = Buffer.from(q.subarray(0, 12));
  const answer = ip && qtype === 1;
  head.writeUInt16BE(ip ? 0x8180 : 0x8183, 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(answer ? 1 : 0, 6);
  head.writeUInt32BE(0, 8);
  const parts = [head, q.subarray(12, qEnd)];
  if (answer)
    parts.push(Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...ip.split('.').map(Number)]));
  dns.send(Buffer.concat(parts), r.port, r.address);
});

const listening = (s, ...args) => new Promise((res) => s.listen(...args, res));
const bound = (s, ...args) => new Promise((res) => s.bind(...args, res));
await Promise.all([
  listening(https, 443, '::'),
  listening(http, 80, '::'),
  ...sinks.map((s, k) => listening(s, [853, 8883][k], '::')),
  bound(udp443, 443, '::'),
  bound(dns, 53, '0.0.0.0'),
]);

// The allowlist's extra ports (box.ts RTK): a caster over plain HTTP on 2101 and over TLS on
// 5443, serving and counting as on 80/443; 2102, listed by no entry, reports any connection.
const caster = counting(createHttp(handler), 'http');
caster.on('request', (req, res) => {
  req.socket.airlockHost = req.headers.host;
  res.on('finish', () => req.socket.airlockReport?.());
});
const casterTls = counting(
  createHttps({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handler),
  'https',
);
casterTls.on('secureConnection', (t) => {
  t.on('close', () => say({ ev: 'tls', sni: t.servername || null, port: 5443 }));
});
const unlisted = createTcp((s) => {
  say({ ev: 'bypass-tcp', port: 2102, from: s.remoteAddress });
  s.destroy();
});
// An NTRIP 1.0 caster on 2105 (box.ts RTK.ntrip): answers a request head with `ICY 200 OK` and a
// stream of corrections (1 KiB every 100 ms), reads on what the rover sends up (its positions),
// and reports the head and what followed it when the connection closes.
const ntrip = createTcp((s) => {
  s.on('error', () => {});
  const from = s.remoteAddress;
  let got = Buffer.alloc(0);
  let timer;
  s.on('data', (d) => {
    const answered = got.includes('\r\n\r\n');
    got = Buffer.concat([got, d]);
    if (answered || !got.includes('\r\n\r\n')) return;
    s.write('ICY 200 OK\r\n');
    let n = 0;
    timer = setInterval(() => s.write(Buffer.alloc(1024, n++ & 0xff)), 100);
  });
  s.on('close', () => {
    clearInterval(timer);
    const text = got.toString('latin1');
    const end = text.indexOf('\r\n\r\n') + 4;
    say({ ev: 'ntrip', head: text.slice(0, end), after: text.slice(end), from });
  });
});
await Promise.all([
  listening(caster, 2101, '::'),
  listening(casterTls, 5443, '::'),
  listening(unlisted, 2102, '::'),
  listening(ntrip, 2105, '::'),
]);
say({ ev: 'ready' });
process.on('SIGTERM', () => process.exit(0));
