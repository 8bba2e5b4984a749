# python3-websockets as a server for a connchan client: echoes, answers 'close-me' with a close
# 4002 'py bye', reports 'compressed?' as whether permessage-deflate was agreed. Prints its port.
import asyncio, sys
import websockets

async def handler(ws, path=None):
    async for msg in ws:
        if msg == 'close-me':
            await ws.close(4002, 'py bye')
            return
        if msg == 'compressed?':
            await ws.send(','.join(e.name for e in ws.extensions))
            continue
        if msg == 'send-fragmented':
            await ws.send(['a', 'b', 'c'])
            continue
        await ws.send(msg)

async def main():
    async with websockets.serve(handler, '127.0.0.1', 0, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await asyncio.sleep(30)

asyncio.run(main())
