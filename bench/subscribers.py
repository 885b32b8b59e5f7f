"""Holds N idle live-poke subscriptions (EventSource, over HTTPS as devices subscribe, or plain HTTP) on
loopback open for scripts/bench --subscribers: opens them 200 at a time, prints "open N" once all
answered 200 (or exits 1), then keeps them until its standard input closes.
    python3 bench/subscribers.py BASE_URL COUNT TOKEN_FILE   (one token per line, used in turn;
                                                              SYNC_CA_FILE: the stack's certificate)"""
import asyncio
import os
import resource
import ssl
import sys
import urllib.parse


async def subscribe(host, port, tls, token, opened):
    reader, writer = await asyncio.open_connection(host, port, ssl=tls)
    writer.write(f"GET /api/client/sync/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
                 f"Authorization: Bearer {token}\r\n\r\n".encode())
    status = await asyncio.wait_for(reader.readline(), 30)
    if b" 200 " not in status:
        raise RuntimeError(f"a subscription was refused: {status.decode().strip()}")
    opened.append((reader, writer))


async def main(base_url, count, token_file):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 1024)), hard))
    url = urllib.parse.urlsplit(base_url)
    tls = ssl.create_default_context(cafile=os.environ.get("SYNC_CA_FILE")) if url.scheme == "https" else None
    tokens = open(token_file).read().split()
    opened = []
    for start in range(0, count, 200):
        await asyncio.gather(*(subscribe(url.hostname, url.port, tls, tokens[index % len(tokens)], opened)
                               for index in range(start, min(count, start + 200))))
    print(f"open {len(opened)}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for _, writer in opened:
        writer.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
