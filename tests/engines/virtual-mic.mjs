// A virtual microphone for the live tests: a private PulseAudio daemon with a null sink (the
// "speaker" the test plays into) and a source fed from that sink's monitor, set as the default
// source, so a browser's getUserMedia opens it as it would a person's microphone. The browser
// runs with PULSE_SERVER pointing at this daemon; it hears what `play(file)` plays and, between
// plays, digital silence.
//
// The source is the monitor through module-remap-source rather than the monitor itself: WebKitGTK
// lists no monitor as a capture device ("no device was found amongst 0 devices"), Firefox and
// Chromium take either. Root may run the daemon (it warns): everything lives in a temporary folder.

import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const SINK = "ve_speaker";
const SOURCE = "ve_microphone";

/** Starts the daemon; resolves to `{ env, play(file), close() }` once it answers. */
export async function startVirtualMicrophone() {
  const dir = mkdtempSync(join(tmpdir(), "ve-pulse-"));
  const socket = join(dir, "native");
  writeFileSync(
    join(dir, "default.pa"),
    [
      `load-module module-native-protocol-unix socket=${socket} auth-anonymous=1`,
      `load-module module-null-sink sink_name=${SINK} sink_properties=device.description=Speaker`,
      `load-module module-remap-source master=${SINK}.monitor source_name=${SOURCE} source_properties=device.description=Microphone`,
      `set-default-sink ${SINK}`,
      `set-default-source ${SOURCE}`,
      "",
    ].join("\n"),
  );
  // Only this daemon: no user's config, cookie or session bus.
  const env = { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir, PULSE_RUNTIME_PATH: dir, PULSE_SERVER: `unix:${socket}` };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  const daemon = spawn(
    "pulseaudio",
    ["-n", "-F", join(dir, "default.pa"), "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--log-target=stderr"],
    { env, stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  daemon.stderr.on("data", (chunk) => (log += chunk));
  const exited = new Promise((done) => daemon.on("exit", done));

  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      const { stdout } = await run("pactl", ["get-default-source"], { env });
      if (stdout.trim() === SOURCE) break;
    } catch (error) {
      if (daemon.exitCode !== null || Date.now() > deadline) throw new Error(`PulseAudio did not start: ${error.message}\n${log}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }

  const players = new Set();
  return {
    env,
    /** Plays `file` into the speaker; resolves when it has been played. */
    play(file) {
      const player = spawn("paplay", [`--device=${SINK}`, file], { env, stdio: "ignore" });
      players.add(player);
      return new Promise((done, fail) =>
        player.on("exit", (code) => {
          players.delete(player);
          if (code === 0) done();
          else fail(new Error(`paplay exited with ${code}`));
        }),
      );
    },
    async close() {
      for (const player of players) player.kill();
      daemon.kill();
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
