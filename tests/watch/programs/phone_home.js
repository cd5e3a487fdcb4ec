// A small Node program that phones home three ways: by name over TLS, to a hard-coded address over TLS (with a
// server name), and a UDP datagram to a hard-coded address. Each failure is expected offline.
const tls = require("node:tls");
const dgram = require("node:dgram");

function hello(options) {
  return new Promise((resolve) => {
    const socket = tls.connect({ port: 443, timeout: 3000, ...options });
    socket.on("secureConnect", () => { socket.end(); resolve(); });
    socket.on("error", (error) => { console.error(`tls ${options.servername}: ${error.code}`); resolve(); });
    socket.on("timeout", () => { socket.destroy(); resolve(); });
  });
}

(async () => {
  await hello({ host: "telemetry.node-example.test", servername: "telemetry.node-example.test" });
  await hello({ host: "203.0.113.7", servername: "pinned.node-example.test" });
  const udp = dgram.createSocket("udp4");
  udp.on("error", (error) => console.error(`udp: ${error.code}`));
  udp.send("event:1|c", 9999, "198.51.100.9", () => setTimeout(() => udp.close(), 500));
})();
