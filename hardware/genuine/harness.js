/*
 * The board around the genuine Espruino interpreter (../shared/tools/espruino): what the Linux
 * build lacks of an ESP32 token, written in ES5 and run INSIDE the interpreter before the boot
 * code, as the chip's own hardware would be. Loaded from Storage (so its function bodies stay
 * in flash, off the 4,000-variable heap) by genuine-token.ts, which passes `cfg`:
 *   pty      the Serial1 device (one end of a socat pty pair; the CLI holds the other)
 *   reserve  JsVars the harness and a ballast hold together for the whole run, beyond what the
 *            interpreter used at start: a headroom proof (the firmware must fit in the rest)
 *   fault    "" | "rtc" | "display" | "bus": a part that does not answer (unplugged, SDA held low)
 *
 * Emulated at register level, mocking I2C1:
 * - DS3231 at 0x68: time registers 00-06 (24-hour mode, BCD, century bit), control 0E, status
 *   0F (OSF, cleared by writing 0), aging 10, temperature 11-12; pointer auto-increment wrapping
 *   after 0x12. Its state is the coin cell's: kept in the file rtc.json of the working
 *   directory, which the host edits while the chip is off (battery out, a new board). Time
 *   follows real time: counters = t + (now - r).
 * - SSD1306 at 0x3C: control byte 0x00 (commands) / 0x40 (data), addressing modes 0/1/2,
 *   column and page windows (0x21/0x22), page-mode pointers (B0-B7, 00-1F), display on/off;
 *   multi-byte commands may span transfers. GDDRAM is noise at power-on.
 * And: the system clock (getTime/setTime: the Linux build's setTime does nothing; an ESP32's
 * clock starts near 0 at every boot), E.reboot (exits: the host restarts the process), the
 * ESP32 hardware RNG register (peek32(0x3FF75144)), which on Linux would fault.
 *
 * To the host, on stdout (USB.write: not the console, which the firmware moves):
 *   @D<index hex>:<hex bytes>   GDDRAM bytes written (runs)
 *   @E <system s> <on 0/1> <ms> end of a task that wrote to the display; ms: real time of its last write
 *   @M <usage> <peak> <total> <error flags>   answer to the doorbell's "mem"
 *   @W <0/1>   an edge as the firmware's setWatch handler receives it (0: the button is down)
 *   @H <n>     that handler has returned, having made n display writes (their @E follows)
 *   @BOOT, @REBOOT, @UNCAUGHT <text>
 * From the host: a doorbell on D26 (fake GPIO): the host writes a command to the file "ctl"
 * and toggles the pin; "mem" reports memory, "peak" also restarts the peak.
 */
(function (cfg) {
  var startUsage = process.memory().usage;
  var fs = require("fs");
  var out = function (text) { USB.write(text + "\n"); };
  var realTime = getTime;
  var peak = 0;
  var sample = function () {
    var used = process.memory(false).usage;
    if (used > peak) peak = used;
  };
  var hex = function (n) { return (n < 16 ? "0" : "") + n.toString(16); };

  // ---- system clock: starts near 0 at boot, as an ESP32's does; setTime really sets it
  var offset = -realTime();
  global.getTime = function () { sample(); return realTime() + offset; };
  global.setTime = function (t) { offset = t - realTime(); };
  // ---- reboot and the hardware RNG register
  E.reboot = function () { out("@REBOOT"); quit(); };
  var rng = E.hwRand;
  global.peek32 = function (address) {
    if (address !== 0x3FF75144) throw new Error("peek32 of an unmapped address");
    return rng() ^ (Math.floor(realTime() * 1e6) | 0);
  };

  // ---- DS3231 (state on the coin cell: rtc.json)
  var rtc = JSON.parse(fs.readFileSync("rtc.json"));
  var rtcReg = 0;
  var saveRtc = function () { fs.writeFileSync("rtc.json", JSON.stringify(rtc)); };
  var bcd = function (n) { return ((n / 10) | 0) * 16 + (n % 10); };
  var unbcd = function (b) { return (b >> 4) * 10 + (b & 15); };
  var civil = function (s) { // unix seconds -> [year, month, day, hour, minute, second, weekday 1-7]
    var days = Math.floor(s / 86400), rem = s - days * 86400;
    var z = days + 719468, era = Math.floor(z / 146097), doe = z - era * 146097;
    var yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    var doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100)), mp = Math.floor((5 * doy + 2) / 153);
    var d = doy - Math.floor((153 * mp + 2) / 5) + 1, m = mp < 10 ? mp + 3 : mp - 9;
    return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d, Math.floor(rem / 3600), Math.floor(rem / 60) % 60, rem % 60, ((days + 3) % 7 + 7) % 7 + 1];
  };
  var unix = function (y, m, d, hh, mm, ss) {
    y = m <= 2 ? y - 1 : y;
    var era = Math.floor(y / 400), yoe = y - era * 400;
    var doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
    var doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    return (era * 146097 + doe - 719468) * 86400 + hh * 3600 + mm * 60 + ss;
  };
  var rtcNow = function () { return rtc.stopped ? rtc.t : rtc.t + Math.floor(realTime() - rtc.r); };
  var rtcRegisters = function () {
    var c = civil(rtcNow()), y = c[0] - 2000;
    return [bcd(c[5]), bcd(c[4]), bcd(c[3]), c[6], bcd(c[2]), bcd(c[1]) | (y >= 100 ? 0x80 : 0), bcd(y % 100), 0, 0, 0, 0, 0, 0, 0,
      rtc.control, rtc.osf ? 0x88 : 0x08, rtc.aging, 0x19, 0];
  };
  var rtcWrite = function (data) {
    rtcReg = data[0];
    var regs = rtcRegisters(), timeTouched = false;
    for (var i = 1; i < data.length; i++) {
      regs[rtcReg] = data[i];
      if (rtcReg <= 6) timeTouched = true;
      if (rtcReg === 0x0e) rtc.control = data[i];
      if (rtcReg === 0x0f && !(data[i] & 0x80)) rtc.osf = 0;
      if (rtcReg === 0x10) rtc.aging = data[i];
      rtcReg = rtcReg === 0x12 ? 0 : rtcReg + 1;
    }
    if (timeTouched) {
      rtc.t = unix(unbcd(regs[6]) + 2000 + (regs[5] & 0x80 ? 100 : 0), unbcd(regs[5] & 0x7f), unbcd(regs[4]), unbcd(regs[2] & 0x3f), unbcd(regs[1]), unbcd(regs[0]));
      rtc.r = realTime();
      rtc.stopped = 0;
    }
    if (data.length > 1) saveRtc();
  };
  var rtcRead = function (count) {
    var regs = rtcRegisters(), bytes = new Uint8Array(count);
    for (var i = 0; i < count; i++) {
      bytes[i] = regs[rtcReg];
      rtcReg = rtcReg === 0x12 ? 0 : rtcReg + 1;
    }
    return bytes;
  };

  // ---- SSD1306
  var ram = new Uint8Array(1024);
  for (var n = 0, x = 0x2545; n < 1024; n++) { x = (x * 75 + 74) % 65537; ram[n] = x & 255; }
  var lcd = { mode: 2, c0: 0, c1: 127, p0: 0, p1: 7, col: 0, page: 0, on: 0, cmd: [] };
  var ARGS = { 0x20: 1, 0x21: 2, 0x22: 2, 0x26: 6, 0x27: 6, 0x29: 5, 0x2a: 5, 0x81: 1, 0x8d: 1, 0xa3: 2, 0xa8: 1, 0xd3: 1, 0xd5: 1, 0xd9: 1, 0xda: 1, 0xdb: 1 };
  var endQueued = false, lastWrite = 0, displayWrites = 0;
  var endTask = function () {
    displayWrites++;
    lastWrite = Math.floor(realTime() * 1000);
    if (endQueued) return;
    endQueued = true;
    setTimeout(function () { endQueued = false; out("@E " + Math.floor(getTime()) + " " + lcd.on + " " + lastWrite); }, 0);
  };
  var command = function (b) {
    var c = lcd.cmd;
    c.push(b);
    var need = ARGS[c[0]];
    if (need !== undefined && c.length <= need) return;
    lcd.cmd = [];
    var op = c[0];
    if (op === 0x20) lcd.mode = c[1] & 3;
    else if (op === 0x21) { lcd.c0 = c[1] & 127; lcd.c1 = c[2] & 127; lcd.col = lcd.c0; }
    else if (op === 0x22) { lcd.p0 = c[1] & 7; lcd.p1 = c[2] & 7; lcd.page = lcd.p0; }
    else if (op === 0xae || op === 0xaf) { lcd.on = op & 1; endTask(); }
    else if (op >= 0xb0 && op <= 0xb7) lcd.page = op & 7;
    else if (op <= 0x0f) lcd.col = (lcd.col & 0xf0) | op;
    else if (op <= 0x1f) lcd.col = (lcd.col & 0x0f) | ((op & 15) << 4);
  };
  var data = function (bytes, from) {
    var run = "", start = -1, last = -2;
    for (var i = from; i < bytes.length; i++) {
      var at = lcd.page * 128 + lcd.col;
      ram[at] = bytes[i];
      if (at !== last + 1) { if (run) out("@D" + start.toString(16) + ":" + run); run = ""; start = at; }
      run += hex(bytes[i]);
      last = at;
      if (lcd.mode === 0) {
        if (lcd.col >= lcd.c1) { lcd.col = lcd.c0; lcd.page = lcd.page >= lcd.p1 ? lcd.p0 : lcd.page + 1; } else lcd.col++;
      } else if (lcd.mode === 1) {
        if (lcd.page >= lcd.p1) { lcd.page = lcd.p0; lcd.col = lcd.col >= lcd.c1 ? lcd.c0 : lcd.col + 1; } else lcd.page++;
      } else lcd.col = (lcd.col + 1) & 127;
    }
    if (run) out("@D" + start.toString(16) + ":" + run);
    endTask();
  };
  var lcdWrite = function (bytes) {
    var control = bytes[0];
    if (control === 0x40) { data(bytes, 1); return; }
    for (var i = 1; i < bytes.length; i++) command(bytes[i]);
  };

  // ---- the bus
  // A part that does not answer throws, as Espruino's I2C does. Thrown as a string: an Error
  // constructed here builds its stack text from the harness's long unminified lines, and that
  // ran the 4,000-variable heap out of memory. The chip raises its I2C error natively, at the
  // call inside the firmware, whose stack is small (test/build/explicit-vars.test.ts).
  var answers = function (address) {
    if (cfg.fault === "bus") throw "I2C bus error (SDA held low)";
    if ((cfg.fault === "rtc" && address === 0x68) || (cfg.fault === "display" && address === 0x3c)) throw "I2C device not answering";
  };
  I2C1.setup = function () {};
  I2C1.writeTo = function (address, bytes) {
    sample();
    answers(address);
    if (typeof bytes === "number") bytes = [bytes];
    if (address === 0x68) rtcWrite(bytes);
    else if (address === 0x3c) lcdWrite(bytes);
    else throw "I2C device not answering";
  };
  I2C1.readFrom = function (address, count) {
    sample();
    answers(address);
    if (address === 0x68) return rtcRead(count);
    if (address === 0x3c) return new Uint8Array(count);
    throw "I2C device not answering";
  };

  // ---- the UART and memory sampling around it
  Serial1.setup(115200, { path: cfg.pty });
  var serialWrite = Serial1.write;
  Serial1.write = function (text) { sample(); serialWrite.call(Serial1, text); };
  Serial1.setConsole(true);
  process.on("uncaughtException", function (e) { out("@UNCAUGHT " + (e && e.message ? e.message : String(e))); });

  // ---- button edges, as the firmware's watch receives them (after Espruino's debounce): the host
  // holds the button until the firmware has the press, however late a busy machine lets the
  // interpreter poll the pin, as a person keeps a finger on a button until the token reacts.
  var realWatch = setWatch;
  global.setWatch = function (handler, pin, options) {
    return realWatch(function (e) {
      out("@W " + (e.state ? 1 : 0));
      var writes = displayWrites;
      handler(e);
      out("@H " + (displayWrites - writes));
    }, pin, options);
  };
  // ---- the host's doorbell, and a timer that keeps the process alive. A chip never exits; the
  // Linux build does once no timer is pending, so these two come back after a clearInterval()
  // or clearWatch() of everything (install does that before uploading).
  pinMode(D26, "input");
  var bell = function () {
    var what = fs.readFileSync("ctl");
    var m = process.memory();
    out("@M " + m.usage + " " + peak + " " + m.total + " " + E.getErrorFlags().join(","));
    if (what === "peak") peak = m.usage;
  };
  var keepAlive = function () { setInterval(function () {}, 3600000); };
  var doorbell = function () { realWatch(bell, D26, { repeat: true, edge: "both" }); };
  var clearAllInterval = clearInterval, clearAllWatch = clearWatch;
  global.clearInterval = function (id) {
    if (id !== undefined) return clearAllInterval(id);
    clearAllInterval();
    keepAlive();
  };
  global.clearWatch = function (id) {
    if (id !== undefined) return clearAllWatch(id);
    clearAllWatch();
    doorbell();
  };
  keepAlive();
  doorbell();

  // ---- ballast: the harness and it hold `reserve` JsVars for the whole run
  if (cfg.reserve > 0) {
    var held = [];
    global.__ballast = held;
    while (process.memory(false).usage - startUsage < cfg.reserve) held.push(0);
  }
  out("@D0:" + (function () { var s = ""; for (var i = 0; i < 1024; i++) s += hex(ram[i]); return s; })());
  out("@BOOT " + process.memory().usage);
})
