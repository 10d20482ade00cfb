// The connection to the server (stock y-websocket provider) and the offline copy (IndexedDB),
// with one status the UI can show: connecting, connected, reconnecting, offline or denied,
// plus the number of local changes the server has not seen yet.

import { WebsocketProvider } from 'y-websocket'
import { IndexeddbPersistence } from 'y-indexeddb'
import { Emitter } from './events.js'

const POLICY_VIOLATION = 1008
// The close reason the server gives when the facilitator removed this connection's seat
// (server/attribution.py close_seat): the page says so instead of "no access".
const SEAT_REMOVED = 'your seat was removed by the facilitator'

export class Connection extends Emitter {
  /** connect: false waits for start() (the page first asks for a seat to present). */
  constructor ({ boardId, token, seat, doc, connect = true }) {
    super()
    this.doc = doc
    this.status = 'connecting'
    /** Why the server refused this connection ('seat_removed'), when it said. */
    this.deniedBecause = ''
    this.unsynced = 0
    this.everSynced = false
    this.waiting = !connect
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
    this.persistence = new IndexeddbPersistence(`partnerboard-${boardId}`, doc)
    this.provider = new WebsocketProvider(`${scheme}://${location.host}/ws`, boardId, doc, {
      // The seat tells the server whose edits arrive on this connection (see useSeat).
      params: seat ? { token, seat } : { token },
      // Tabs of one browser would otherwise sync among themselves even for an observer.
      disableBc: true,
      connect
    })
    this.awareness = this.provider.awareness

    this.provider.on('status', ({ status }) => {
      if (status === 'connected') return // wait for the sync to call it connected
      if (this.status === 'denied') return
      this._set(navigator.onLine === false ? 'offline' : (this.everSynced ? 'reconnecting' : 'connecting'))
    })
    this.provider.on('sync', synced => {
      if (!synced) return
      this.everSynced = true
      // The sync exchange sent the server everything it had not seen.
      this.unsynced = 0
      this._set('connected')
      this.emit('synced')
    })
    this.provider.on('connection-close', event => {
      if (event && event.code === POLICY_VIOLATION) {
        this.deniedBecause = event.reason === SEAT_REMOVED ? 'seat_removed' : ''
        this._set('denied')
        this.provider.disconnect()
      }
    })
    doc.on('update', (_update, origin) => {
      if (origin === this.provider || origin === this.persistence) return
      if (!this.provider.wsconnected || !this.provider.synced) {
        this.unsynced += 1
        this.emit('change', this.status, this.unsynced)
      }
    })
    // Browsers know before the socket does that the network is gone; reconnect when it is back.
    this._offline = () => { this.provider.disconnect(); this._set('offline') }
    this._online = () => {
      if (this.status === 'denied') return
      if (this.waiting) { this._set('connecting'); return } // start() connects
      this._set('reconnecting')
      this.provider.connect()
    }
    window.addEventListener('offline', this._offline)
    window.addEventListener('online', this._online)
    if (navigator.onLine === false) this._offline()
  }

  /** Present this seat from now on: reconnects once when the connection used another. */
  useSeat (seat) {
    if (this.provider.params.seat === seat) return
    this.provider.params = { ...this.provider.params, seat }
    if (this.provider.wsconnected || this.provider.wsconnecting) {
      this.provider.disconnect()
      if (this.status !== 'denied') this.provider.connect()
    }
  }

  /** Connect, if the connection was made waiting (connect: false) and has not connected since. */
  start () {
    if (!this.waiting) return
    this.waiting = false
    if (this.status !== 'offline' && this.status !== 'denied') this.provider.connect()
  }

  /** Resolves when the offline copy has been loaded into the document. */
  whenLocalLoaded () { return this.persistence.whenSynced }

  _set (status) {
    this.status = status
    this.emit('change', this.status, this.unsynced)
  }

  destroy () {
    window.removeEventListener('offline', this._offline)
    window.removeEventListener('online', this._online)
    this.provider.destroy()
    this.persistence.destroy()
  }
}
