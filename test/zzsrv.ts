import { startConnchanEcho } from '/work/main/bench/servers/ws-echo-connchan.ts';
const port = await startConnchanEcho();
console.log(port);
setTimeout(() => process.exit(0), 7000);
