// The server's clock, as seen from this browser: the board info carries the server's time, and
// the difference to the local clock is kept. Shared countdowns use it, so every participant
// sees the same time left even when a laptop's clock is minutes off.

let offset = 0

export function setServerTime (serverMs, localMs = Date.now()) {
  offset = serverMs - localMs
}

export function serverNow () {
  return Date.now() + offset
}
