// Probes run inside the `tablet` namespace by netns.test.ts and audit-agrees.test.ts; one JSON
// line of outcome.
// argv: kind args…
//   tcp HOST PORT            → {connected}
//   udp HOST PORT            → {sent}
//   tls HOST PORT SNI|-      → {handshake, error}   ('-': no SNI at all)
//   dns SERVER NAME          → {rcode, answers} | {timeout}
//   dns-burst SERVER SUFFIX N LEN → {answered, refused, timeouts}
//   http-seq HOST PORT [http://]HOST:BYTES[:chunked]… → {statuses, port, error?}  (keep-alive:
//            requests on one connection; http:// sends the request line in absolute form, for a proxy)
//   http-post-exact HOST PORT VERSION NAME TOTAL → {sent, port, status}  (head + body = TOTAL bytes)
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

const [kind, ...a] = process.argv.slice(2);
const out = (o) => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
  process.exit(0);
};

function query(server, name, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const s = createSocket(server.includes(':') ? 'udp6' : 'udp4');
    const id = randomBytes(2).readUInt16BE(0);
    const head = Buffer.alloc(12);
    head.writeUInt16BE(id, 0);
    head.writeUInt16BE(0x0100, 2);
    head.writeUInt16BE(1, 4);
    const qname = Buffer.concat([
      ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])),
      Buffer.from([0, 0, 1, 0, 1]),
    ]);
    const t = setTimeout(() => {
      s.close();
      resolve({ timeout: true });
    }, timeoutMs);
    s.on('message', (m) => {
      if (m.readUInt16BE(0) !== id) return;
      clearTimeout(t);
      s.close();
      resolve({ rcode: m[3] & 0x0f, answers: m.readUInt16BE(6) });
    });
    s.send(Buffer.concat([head, qname]), 53, server);
  });
}

switch (kind) {
  case 'tcp': {
    const s = connect({ host: a[0], port: Number(a[1]) });
    s.setTimeout(2000, () => out({ connected: false, error: 'timeout' }));
    s.on('connect', () => out({ connected: true }));
    s.on('error', (e) => out({ connected: false, error: e.code }));
    break;
  }
  case 'udp': {
    const s = createSocket(a[0].includes(':') ? 'udp6' : 'udp4');
    s.send(Buffer.from('quic-initial-lookalike'), Number(a[1]), a[0], (e) => {
      setTimeout(() => out({ sent: !e }), 300);
    });
    break;
  }
  case 'tls': {
    const opts = { host: a[0], port: Number(a[1]), rejectUnauthorized: false };
    // servername '' makes Node send no server_name extension at all.
    const s = tlsConnect({ ...opts, servername: a[2] === '-' ? '' : a[2] });
    s.setTimeout(3000, () => out({ handshake: false, error: 'timeout' }));
    s.on('secureConnect', () => out({ handshake: true }));
    s.on('error', (e) => out({ handshake: false, error: e.code ?? e.message }));
    s.on('close', () => out({ handshake: false, error: 'closed' }));
    break;
  }
  case 'dns':
    out(await query(a[0], a[1]));
    break;
  case 'dns-burst': {
    const [server, suffix, n, len] = [a[0], a[1], Number(a[2]), Number(a[3])];
    const r = { answered: 0, refused: 0, timeouts: 0, names: [] };
    for (let i = 0; i < n; i++) {
      // Hex labels as a tunnel would use them; long names split into 60-byte labels.
      const hex = randomBytes(Math.ceil(len / 2))
        .toString('hex')
        .slice(0, len);
      const name = `${hex.match(/.{1,60}/g).join('.')}.${suffix}`;
      r.names.push(name);
      const q = await query(server, name, 800);
      if (q.timeout) r.timeouts++;
      else if (q.rcode === 0) r.answered++;
      else r.refused++;
    }
    out(r);
    break;
  }
  case 'http-seq': {
    // Requests one after another on ONE connection (keep-alive), each sent once the response
    // before it has come: HOST:BYTES each, a POST of BYTES random bytes (a GET when 0), its body
    // in 1000-byte chunks with ':chunked'; 'http://HOST…' names the target in absolute form.
    const s = connect({ host: a[0], port: Number(a[1]) });
    const statuses = [];
    const reqs = a.slice(2).map((spec) => {
      const absolute = spec.startsWith('http://');
      const [host, n, framing] = spec.replace('http://', '').split(':');
      const body = randomBytes(Number(n));
      const method = body.length > 0 ? 'POST' : 'GET';
      const target = absolute ? `http://${host}/sync` : '/sync';
      let fields = body.length > 0 ? `Content-Length: ${body.length}\r\n` : '';
      let sent = body;
      if (framing === 'chunked') {
        fields = 'Transfer-Encoding: chunked\r\n';
        const chunks = [];
        for (let i = 0; i < body.length; i += 1000) {
          const c = body.subarray(i, i + 1000);
          chunks.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
        }
        sent = Buffer.concat([...chunks, Buffer.from('0\r\n\r\n')]);
      }
      return Buffer.concat([
        Buffer.from(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${fields}\r\n`),
        sent,
      ]);
    });
    let buf = '';
    const next = () => {
      const r = reqs.shift();
      if (r) s.write(r);
      else s.end();
    };
    let port;
    s.setTimeout(3000, () => out({ statuses, port, error: 'timeout' }));
    s.on('connect', () => {
      port = s.localPort;
      next();
    });
    s.on('data', (d) => {
      buf += d.toString('latin1');
      // One whole response (head, then a Content-Length or chunked body), then the next request.
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        let bodyEnd = end + 4 + Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (/transfer-encoding: *chunked/i.test(head)) {
          const last = buf.slice(end + 2).indexOf('\r\n0\r\n\r\n');
          if (last < 0) return;
          bodyEnd = end + 2 + last + 7;
        }
        if (buf.length < bodyEnd) return;
        statuses.push(Number(head.slice(9, 12)));
        buf = buf.slice(bodyEnd);
        next();
      }
    });
    s.on('error', (e) => out({ statuses, port, error: e.code }));
    s.on('close', () => out({ statuses, port }));
    break;
  }
  case 'http-post-exact': {
    // One POST whose head and body are TOTAL bytes together, as VERSION (HTTP/1.0 or HTTP/1.1).
    const [host, port, version, name, total] = [a[0], Number(a[1]), a[2], a[3], Number(a[4])];
    const headOf = (n) => `POST /sync ${version}\r\nHost: ${name}\r\nContent-Length: ${n}\r\n\r\n`;
    let n = total - headOf(0).length;
    while (headOf(n).length + n > total) n--;
    const req = Buffer.concat([Buffer.from(headOf(n)), randomBytes(n)]);
    const s = connect({ host, port });
    let got = '';
    s.setTimeout(3000, () => out({ sent: req.length, error: 'timeout' }));
    let local;
    s.on('connect', () => {
      local = s.localPort;
      s.write(req);
    });
    s.on('data', (d) => {
      got += d.toString('latin1');
    });
    s.on('error', (e) => out({ sent: req.length, port: local, error: e.code }));
    s.on('close', () => out({ sent: req.length, port: local, status: Number(got.slice(9, 12)) || null }));
    break;
  }
  default:
    out({ error: `unknown probe ${kind}` });
}
