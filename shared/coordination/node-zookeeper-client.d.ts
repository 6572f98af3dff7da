/**
 * Types for `node-zookeeper-client` 1.1.3 (the package ships none), written against its JavaScript
 * sources: only what Sluice (shared/coordination) and the test infra (dev/services/zk.ts) call.
 * Sharp edges are noted where they matter; see /work/shared/reference/kafkajs-zookeeper.md.
 */
declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';

  namespace zookeeper {
    /** Node metadata; 64-bit fields (zxids, times, the owner's session id) stay 8-byte Buffers. */
    interface Stat {
      czxid: Buffer;
      mzxid: Buffer;
      ctime: Buffer;
      mtime: Buffer;
      version: number;
      cversion: number;
      aversion: number;
      /** All zero for a persistent node, else the session id of its owner. */
      ephemeralOwner: Buffer;
      dataLength: number;
      numChildren: number;
      pzxid: Buffer;
    }

    /** What every failed call passes to its callback; `code` is one of the static codes. */
    class Exception extends Error {
      readonly code: number;
      readonly path: string | undefined;
      getCode(): number;
      getName(): string;
      getPath(): string | undefined;
      /** The exception of a code, as the library's own calls make it. */
      static create(code: number, path?: string): Exception;
      static readonly OK: 0;
      static readonly SYSTEM_ERROR: -1;
      static readonly RUNTIME_INCONSISTENCY: -2;
      static readonly DATA_INCONSISTENCY: -3;
      static readonly CONNECTION_LOSS: -4;
      static readonly MARSHALLING_ERROR: -5;
      static readonly UNIMPLEMENTED: -6;
      static readonly OPERATION_TIMEOUT: -7;
      static readonly BAD_ARGUMENTS: -8;
      static readonly API_ERROR: -100;
      static readonly NO_NODE: -101;
      static readonly NO_AUTH: -102;
      static readonly BAD_VERSION: -103;
      static readonly NO_CHILDREN_FOR_EPHEMERALS: -108;
      static readonly NODE_EXISTS: -110;
      static readonly NOT_EMPTY: -111;
      static readonly SESSION_EXPIRED: -112;
      static readonly INVALID_CALLBACK: -113;
      static readonly INVALID_ACL: -114;
      static readonly AUTH_FAILED: -115;
    }

    /** A watch notification (one-shot). */
    class Event {
      getType(): number;
      getName(): string;
      getPath(): string;
      static readonly NODE_CREATED: 1;
      static readonly NODE_DELETED: 2;
      static readonly NODE_DATA_CHANGED: 3;
      static readonly NODE_CHILDREN_CHANGED: 4;
    }

    class Id {
      constructor(scheme: string, id: string);
      readonly scheme: string;
      readonly id: string;
      static readonly ANYONE_ID_UNSAFE: Id;
      static readonly AUTH_IDS: Id;
    }

    class ACL {
      constructor(permission: number, id: Id);
      readonly permission: number;
      readonly id: Id;
      static readonly OPEN_ACL_UNSAFE: ACL[];
      static readonly CREATOR_ALL_ACL: ACL[];
      static readonly READ_ACL_UNSAFE: ACL[];
    }

    const Permission: { READ: 1; WRITE: 2; CREATE: 4; DELETE: 8; ADMIN: 16; ALL: 31 };
    const CreateMode: { PERSISTENT: 0; EPHEMERAL: 1; PERSISTENT_SEQUENTIAL: 2; EPHEMERAL_SEQUENTIAL: 3 };

    interface State {
      readonly name: string;
      readonly code: number;
    }
    /** There is no `State.CONNECTED`: the connected state is SYNC_CONNECTED. */
    const State: {
      DISCONNECTED: State;
      SYNC_CONNECTED: State;
      AUTH_FAILED: State;
      CONNECTED_READ_ONLY: State;
      SASL_AUTHENTICATED: State;
      EXPIRED: State;
    };

    interface ClientOptions {
      sessionTimeout?: number;
      spinDelay?: number;
      /** Keep 0: retries also repeat `create`, which duplicates sequential nodes. */
      retries?: number;
      sessionId?: Buffer;
      sessionPassword?: Buffer;
    }

    type Callback<T> = (error: Exception | Error | null, value: T) => void;
    type Watcher = (event: Event) => void;

    /** One multi-op result: `err` is set (non-zero) on the op that failed the transaction. */
    interface OpResult {
      type: number;
      path?: string;
      stat?: Stat;
      err?: number;
    }

    /** Bug: check/setData/remove use `version || -1`, so version 0 means "any version". */
    interface Transaction {
      create(path: string, data: Buffer | null, acls: ACL[], mode: number): Transaction;
      check(path: string, version?: number): Transaction;
      setData(path: string, data: Buffer | null, version?: number): Transaction;
      remove(path: string, version?: number): Transaction;
      commit(callback: (error: Exception | Error | null, results: OpResult[] | undefined) => void): void;
    }

    interface Client extends EventEmitter {
      connect(): void;
      /** Throws if called before connect(). */
      close(): void;
      getState(): State;
      getSessionId(): Buffer;
      getSessionPassword(): Buffer;
      /** The negotiated timeout once connected, the requested one before. */
      getSessionTimeout(): number;
      addAuthInfo(scheme: string, auth: Buffer): void;
      /** Arguments are told apart by type: string data is silently dropped, pass a Buffer. */
      create(path: string, callback: Callback<string>): void;
      create(path: string, data: Buffer | null, mode: number, callback: Callback<string>): void;
      create(path: string, data: Buffer | null, acls: ACL[], mode: number, callback: Callback<string>): void;
      remove(path: string, version: number, callback: (error: Exception | Error | null) => void): void;
      setData(path: string, data: Buffer | null, version: number, callback: Callback<Stat>): void;
      getData(path: string, callback: (error: Exception | Error | null, data: Buffer, stat: Stat) => void): void;
      getData(path: string, watcher: Watcher, callback: (error: Exception | Error | null, data: Buffer, stat: Stat) => void): void;
      /** The stat is null when the node does not exist; a watcher is then set on its creation. */
      exists(path: string, callback: Callback<Stat | null>): void;
      exists(path: string, watcher: Watcher, callback: Callback<Stat | null>): void;
      getChildren(path: string, callback: (error: Exception | Error | null, children: string[], stat: Stat) => void): void;
      getChildren(
        path: string,
        watcher: Watcher,
        callback: (error: Exception | Error | null, children: string[], stat: Stat) => void,
      ): void;
      mkdirp(path: string, callback: Callback<string>): void;
      mkdirp(path: string, data: Buffer | null, acls: ACL[], mode: number, callback: Callback<string>): void;
      /** Needs READ or ADMIN on the node (NO_AUTH otherwise). */
      getACL(path: string, callback: (error: Exception | Error | null, acls: ACL[] | undefined, stat: Stat) => void): void;
      transaction(): Transaction;
    }

    function createClient(connectionString: string, options?: ClientOptions): Client;
  }

  export = zookeeper;
}
