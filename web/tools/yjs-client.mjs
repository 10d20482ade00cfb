// A stock Yjs WebsocketProvider in Node, for the server's protocol tests.
// Usage: node yjs-client.mjs WS_URL BOARD_ID TOKEN NOTE_ID WAIT_FOR_ID
// Adds a note NOTE_ID, waits until the note WAIT_FOR_ID arrives, prints the board's notes as JSON.
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";

const [url, boardId, token, noteId, waitFor] = process.argv.slice(2);
const doc = new Y.Doc();
const provider = new WebsocketProvider(url, boardId, doc, {
  params: { token },
  WebSocketPolyfill: WebSocket,
  disableBc: true,
});
const elements = doc.getMap("elements");
const fail = setTimeout(() => {
  console.error("timed out");
  process.exit(2);
}, 10000);

provider.on("sync", (synced) => {
  if (!synced || elements.has(noteId)) return;
  doc.transact(() => {
    const note = new Y.Map();
    note.set("kind", "note");
    note.set("x", 10);
    note.set("y", 20);
    note.set("w", 160);
    note.set("h", 100);
    note.set("text", new Y.Text("from yjs"));
    // The common keys every element has (DESIGN.md section 6): the server refuses less.
    note.set("author", "node");
    note.set("org", "");
    note.set("color", "#ffe066");
    note.set("created", Date.now());
    elements.set(noteId, note);
  });
  setTimeout(check, 0);
});
// Deferred: observers run before the provider sends the transaction's update.
elements.observeDeep(() => setTimeout(check, 0));

let done = false;
function check() {
  if (done || !elements.has(waitFor) || !elements.has(noteId)) return;
  done = true;
  const notes = {};
  for (const [id, note] of elements) notes[id] = note.get("text").toString();
  console.log(JSON.stringify({ notes, title: doc.getMap("meta").get("title") }));
  clearTimeout(fail);
  // Exit once the socket has closed, so our own update has been flushed to the server.
  const socket = provider.ws;
  socket.addEventListener("close", () => process.exit(0));
  provider.destroy();
}
