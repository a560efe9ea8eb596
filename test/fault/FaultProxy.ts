/**
 * A TCP proxy for fault tests, on loopback only: forwards between the driver and a server, and on
 * command cuts both sockets, stalls (keeps them open, forwards nothing), refuses new connections,
 * delays, or corrupts, optionally once a chosen number of bytes went from the server to the client
 * (`afterServerBytes`) or the client sent its n-th chunk (`afterClientWrites`).
 */
import * as Net from "node:net"

/** What the proxy does with a connection. */
export type Mode =
  | { readonly _tag: "Forward" }
  /** Close both sockets (client and server) at once. */
  | { readonly _tag: "Cut" }
  /** Keep both sockets open and forward nothing more, in either direction. */
  | { readonly _tag: "Stall" }
  /** Forward each chunk after `ms`. */
  | { readonly _tag: "Delay"; readonly ms: number }
  /** Replace the server's bytes with `mutate(bytes)`. */
  | { readonly _tag: "Corrupt"; readonly mutate: (bytes: Buffer) => Buffer }

/**
 * A one-shot trigger, counted on each connection from the moment it is armed: the first connection
 * to reach it gets the fault, then the proxy forwards again (so a retry on a new connection works).
 */
export interface Trigger {
  /** Apply the fault once this many bytes went from server to client. */
  readonly afterServerBytes?: number
  /** Apply the fault when the client sends its n-th chunk (1-based; that chunk is not forwarded). */
  readonly afterClientWrites?: number
}

interface Pair {
  readonly client: Net.Socket
  readonly server: Net.Socket
  serverBytes: number
  clientWrites: number
  mode: Mode
}

export interface FaultProxy {
  readonly port: number
  /** Live connection pairs. */
  readonly connections: () => number
  /** Connections accepted since the start. */
  readonly accepted: () => number
  /** New connections get `mode` (existing ones too, with `now: true`), optionally from a trigger on. */
  readonly set: (mode: Mode, options?: Trigger & { readonly now?: boolean }) => void
  /** New connections are accepted and then closed at once (true), or forwarded (false). */
  readonly refuse: (refuse: boolean) => void
  /** Until `silent(false)`: accept and never answer nor connect upstream (a half-dead server). */
  readonly silent: (silent: boolean) => void
  readonly close: () => Promise<void>
}

const FORWARD: Mode = { _tag: "Forward" }

export const start = (target: { readonly host: string; readonly port: number }): Promise<FaultProxy> => {
  const pairs = new Set<Pair>()
  const silentSockets = new Set<Net.Socket>()
  let mode: Mode = FORWARD
  let trigger: Trigger = {}
  let refusing = false
  let silent = false
  let accepted = 0

  const fire = (pair: Pair) => {
    const next = mode
    trigger = {}
    mode = FORWARD
    apply(pair, next)
  }
  const apply = (pair: Pair, next: Mode) => {
    pair.mode = next
    if (next._tag === "Cut") {
      pair.client.destroy()
      pair.server.destroy()
    }
  }
  const triggered = (pair: Pair): boolean =>
    (trigger.afterServerBytes !== undefined && pair.serverBytes >= trigger.afterServerBytes) ||
    (trigger.afterClientWrites !== undefined && pair.clientWrites >= trigger.afterClientWrites)
  const armed = () => trigger.afterServerBytes !== undefined || trigger.afterClientWrites !== undefined

  const send = (pair: Pair, to: Net.Socket, bytes: Buffer) => {
    switch (pair.mode._tag) {
      case "Forward":
        return void to.write(bytes)
      case "Delay": {
        const ms = pair.mode.ms
        return void setTimeout(() => !to.destroyed && to.write(bytes), ms)
      }
      case "Corrupt":
        return void to.write(to === pair.client ? pair.mode.mutate(bytes) : bytes)
      case "Stall":
      case "Cut":
        return
    }
  }

  const server = Net.createServer((client) => {
    accepted++
    if (refusing) return void client.destroy()
    if (silent) {
      silentSockets.add(client)
      client.on("close", () => silentSockets.delete(client))
      client.on("error", () => {})
      return
    }
    const upstream = Net.createConnection({ host: target.host, port: target.port, noDelay: true })
    client.setNoDelay(true)
    const pair: Pair = { client, server: upstream, serverBytes: 0, clientWrites: 0, mode: armed() ? FORWARD : mode }
    pairs.add(pair)
    const end = () => {
      pairs.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on("error", end).on("close", end)
    upstream.on("error", end).on("close", end)
    client.on("data", (bytes: Buffer) => {
      pair.clientWrites++
      if (armed() && pair.mode._tag === "Forward" && triggered(pair)) fire(pair)
      send(pair, upstream, bytes)
    })
    upstream.on("data", (bytes: Buffer) => {
      if (armed() && pair.mode._tag === "Forward" && trigger.afterServerBytes !== undefined) {
        const left = trigger.afterServerBytes - pair.serverBytes
        if (left < bytes.length) {
          // Forward exactly up to the chosen byte, then the fault.
          if (left > 0) client.write(bytes.subarray(0, left))
          pair.serverBytes += bytes.length
          return fire(pair)
        }
      }
      pair.serverBytes += bytes.length
      send(pair, client, bytes)
    })
  })

  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      resolve({
        port,
        connections: () => pairs.size,
        accepted: () => accepted,
        set: (next, options = {}) => {
          mode = next
          trigger = { ...options }
          for (const pair of pairs) {
            pair.serverBytes = 0
            pair.clientWrites = 0
          }
          if (options.now === true) for (const pair of pairs) apply(pair, next)
        },
        refuse: (value) => void (refusing = value),
        silent: (value) => {
          silent = value
          if (!value) for (const socket of silentSockets) socket.destroy()
        },
        close: () =>
          new Promise<void>((done) => {
            for (const pair of pairs) {
              pair.client.destroy()
              pair.server.destroy()
            }
            for (const socket of silentSockets) socket.destroy()
            server.close(() => done())
          })
      })
    })
  })
}
