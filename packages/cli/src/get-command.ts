/**
 * `connchan get URL`: an HTTP/1.1 request from the command line on connchan's client. Method,
 * headers, a body from text or a file, output to a file (with a progress bar when stderr is a
 * terminal), keep-alive, a proxy, redirects when asked, and the heads with `--verbose`.
 */
import { createReadStream, createWriteStream, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { SingleBar, Presets } from 'cli-progress';
import { HttpClient, type HttpToken, type GeturlOptions } from 'connchan/http-client';

export interface GetCommandOptions {
  request?: string;
  header: string[];
  data?: string;
  dataFile?: string;
  output?: string;
  keepalive?: boolean;
  proxy?: string;
  location?: boolean | string;
  verbose?: boolean;
  ca?: string;
  insecure?: boolean;
  timeout?: string;
  fail?: boolean;
  progress?: boolean;
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

function headerPairs(lines: string[]): [string, string][] {
  return lines.map((line) => {
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`bad header "${line}": expected "Name: value"`);
    return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
  });
}

export async function runGetCommand(
  url: string,
  o: GetCommandOptions,
  io: CommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const client = new HttpClient({
    keepalive: o.keepalive ?? false,
    tls:
      o.ca || o.insecure
        ? { ca: o.ca ? readFileSync(o.ca, 'utf8') : undefined, insecure: o.insecure }
        : undefined,
  });
  if (o.proxy) {
    const [host, port] = o.proxy.replace(/^https?:\/\//, '').split(':');
    client.configure({ proxyhost: host, proxyport: Number(port || 8080) });
  }
  const options: GeturlOptions = { headers: headerPairs(o.header), binary: true };
  if (o.request) options.method = o.request.toUpperCase();
  if (o.timeout) options.timeout = o.timeout;
  if (o.location !== undefined && o.location !== false) {
    options.followRedirects = o.location === true ? true : Number(o.location);
  }
  if (o.data !== undefined) options.query = o.data;
  else if (o.dataFile !== undefined) {
    // A file is streamed, not read whole; its size comes from the file system.
    options.querychannel = createReadStream(o.dataFile);
    options.headers = [
      ...(options.headers as [string, string][]),
      ['Content-Length', String(statSync(o.dataFile).size)],
    ];
  }
  const sink = o.output ? createWriteStream(o.output) : undefined;
  if (sink) options.channel = sink;
  const showBar = (o.progress ?? true) && sink !== undefined && io.stderr.isTTY === true;
  let bar: SingleBar | undefined;
  if (showBar) {
    bar = new SingleBar(
      { stream: io.stderr, format: '{bar} {percentage}% {value}/{total} bytes', hideCursor: true },
      Presets.shades_classic,
    );
    options.progress = (_t, total, current) => {
      if (!bar!.isActive && total > 0) bar!.start(total, 0);
      if (bar!.isActive) bar!.update(current);
    };
  }
  let token: HttpToken;
  try {
    token = await client.geturl(url, options);
  } catch (err) {
    bar?.stop();
    io.stderr.write(`connchan get: ${(err as Error).message}\n`);
    await client.close();
    return 7;
  }
  bar?.stop();
  if (o.verbose) {
    io.stderr.write(`> ${token.requestLine}\n`);
    for (const [k, v] of token.requestHeaders) io.stderr.write(`> ${k}: ${v}\n`);
    io.stderr.write(`< ${token.http}\n`);
    for (const [k, v] of token.meta) io.stderr.write(`< ${k}: ${v}\n`);
    io.stderr.write('\n');
  }
  if (sink) {
    if (!sink.writableFinished) {
      sink.end();
      await once(sink, 'finish');
    }
  } else {
    io.stdout.write(token.bodyBytes);
  }
  await client.close();
  if (token.status !== 'ok') {
    io.stderr.write(`connchan get: ${token.status}${token.error ? `: ${token.error}` : ''}\n`);
    return 1;
  }
  return o.fail && token.ncode >= 400 ? 22 : 0;
}
