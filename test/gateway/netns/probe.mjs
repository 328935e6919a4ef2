// Bypass probes run inside the `tablet` namespace by netns.test.ts; one JSON line of outcome.
// argv: kind args…
//   tcp HOST PORT            → {connected}
//   udp HOST PORT            → {sent}
//   tls HOST PORT SNI|-      → {handshake, error}   ('-': no SNI at all)
//   dns SERVER NAME          → {rcode, answers} | {timeout}
//   dns-burst SERVER SUFFIX N LEN → {answered, refused, timeouts}
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
  default:
    out({ error: `unknown probe ${kind}` });
}
