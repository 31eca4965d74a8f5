import net from 'node:net';

/**
 * A TCP proxy in front of a real server that can lose replies: while `dropReplies` is above
 * zero, the next bytes the server sends back are thrown away and that client connection is
 * cut — the command reached the server and ran, the client never hears so (a reply lost to
 * a network cut or a crash between apply and answer).
 */
export interface LossyProxy {
  port: number;
  url: string;
  /** How many more replies to lose (each loss cuts the connection that carried it). */
  dropReplies: number;
  /** Replies lost so far. */
  dropped: number;
  close(): Promise<void>;
}

export async function startLossyProxy(targetPort: number): Promise<LossyProxy> {
  const sockets = new Set<net.Socket>();
  const proxy = { dropReplies: 0, dropped: 0 } as LossyProxy;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => {
      if (proxy.dropReplies > 0) {
        proxy.dropReplies--;
        proxy.dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  proxy.port = port;
  proxy.url = `redis://127.0.0.1:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return proxy;
}
