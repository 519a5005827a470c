// A chat client of your own: deno run --allow-net examples/mini_client.ts NAME [HOST] [PORT]
import { encodeFrame, FrameDecoder } from "../protocol/mod.ts";

const [name = "guest", hostname = "127.0.0.1", port = "5000"] = Deno.args;
const conn = await Deno.connect({ hostname, port: Number(port) });
const writer = conn.writable.getWriter();
const send = (message: string) => writer.write(encodeFrame({ username: name, message }));

const decoder = new FrameDecoder(); // print each frame the server sends; a notice has no username
const printing = Array.fromAsync(conn.readable, (chunk) => {
  for (const result of decoder.push(chunk)) {
    if (!result.ok) throw result.error;
    const { username, message } = result.frame;
    console.log(username === "" ? `* ${message}` : `<${username}> ${message}`);
  }
});

await send(""); // log in: our name, no first message
let rest = ""; // then send each line of stdin as a chat message
for await (const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  const lines = (rest + text).split("\n");
  rest = lines.pop() ?? "";
  for (const line of lines) await send(line);
}
await send("/quit"); // the server closes the connection, which ends `printing`
await printing;
