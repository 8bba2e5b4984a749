# python3-websockets as a client of a connchan server: prints one JSON line of results.
import asyncio, json, ssl, sys
import websockets

async def main(url, cafile):
    ctx = None
    if url.startswith('wss:'):
        ctx = ssl.create_default_context(cafile=cafile)
    out = {}
    async with websockets.connect(url, ssl=ctx, max_size=None, subprotocols=['chat']) as ws:
        out['extensions'] = [e.name for e in ws.extensions]
        out['subprotocol'] = ws.subprotocol
        await ws.send('héllo')
        out['text'] = await ws.recv()
        await ws.send(bytes([0, 1, 2, 255]))
        out['binary'] = list(await ws.recv())
        big = bytes(range(256)) * 4096
        await ws.send(big)
        out['big_ok'] = (await ws.recv()) == big
        await ws.send(['frag', 'men', 'ted'])
        out['fragmented'] = await ws.recv()
        pong = await ws.ping(b'py-ping')
        await asyncio.wait_for(pong, 5)
        out['pong'] = True
        await ws.close(4001, 'py bye')
        out['close_code'] = ws.close_code
    print(json.dumps(out), flush=True)

asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None), 20))
