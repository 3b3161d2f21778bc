/**
 * Small gRPC servers on loopback for client tests: one unary method, JSON on the wire (no
 * .proto needed). Each answers `{ id, echo }` unless the test queues another behaviour.
 */
import { Metadata, Server, ServerCredentials, status, type MethodDefinition, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';

export interface EchoRequest {
  text: string;
}
export interface EchoReply {
  id: string;
  echo: string;
}

const json = <T>() => ({
  serialize: (v: T) => Buffer.from(JSON.stringify(v)),
  deserialize: (b: Buffer) => JSON.parse(b.toString()) as T,
});

export const echoMethod: MethodDefinition<EchoRequest, EchoReply> = {
  path: '/switchyard.test.Echo/Say',
  requestStream: false,
  responseStream: false,
  requestSerialize: json<EchoRequest>().serialize,
  requestDeserialize: json<EchoRequest>().deserialize,
  responseSerialize: json<EchoReply>().serialize,
  responseDeserialize: json<EchoReply>().deserialize,
};

export type GrpcBehaviour = (call: ServerUnaryCall<EchoRequest, EchoReply>, done: sendUnaryData<EchoReply>, id: string) => void;

/** Fails with a status, optionally with a retry pushback (ms, or any string). */
export const fail =
  (code: status, pushback?: string): GrpcBehaviour =>
  (_call, done) => {
    const metadata = new Metadata();
    if (pushback !== undefined) metadata.set('grpc-retry-pushback-ms', pushback);
    done({ code, details: `failed with ${code}`, metadata });
  };
/** Never answers (the client's deadline ends it). */
export const stall: GrpcBehaviour = () => {};

export interface TestGrpcServer {
  readonly id: string;
  readonly port: number;
  readonly seen: string[];
  /** Whether the last stalled call was cancelled by the client. */
  cancelled: number;
  queue(...b: GrpcBehaviour[]): void;
  close(): Promise<void>;
}

export async function startGrpcServer(id: string): Promise<TestGrpcServer> {
  const queued: GrpcBehaviour[] = [];
  const server = new Server();
  const state: TestGrpcServer = {
    id,
    port: 0,
    seen: [],
    cancelled: 0,
    queue: (...b) => queued.push(...b),
    close: () => new Promise<void>((r) => server.tryShutdown(() => r())).then(() => server.forceShutdown()),
  };
  server.addService({ say: echoMethod }, {
    say: (call: ServerUnaryCall<EchoRequest, EchoReply>, done: sendUnaryData<EchoReply>) => {
      state.seen.push(call.request.text);
      call.on('cancelled', () => state.cancelled++);
      const b = queued.shift();
      if (b) b(call, done, id);
      else done(null, { id, echo: call.request.text });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return Object.assign(state, { port });
}
