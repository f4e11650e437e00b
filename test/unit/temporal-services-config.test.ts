import { describe, expect, it } from 'vitest';
import { serviceConfig, type ServicesConfig } from '../../src/base/harness/temporal-services';

const config: ServicesConfig = {
  ports: {
    frontend: { grpc: 7001, membership: 7002, http: 7003 },
    history: { grpc: 7011, membership: 7012 },
    matching: { grpc: 7021, membership: 7022 },
    worker: { grpc: 7031, membership: 7032 },
  },
  numHistoryShards: 4,
  user: 'temporal',
  dynamicConfigFile: '/run/dynamic-config.yaml',
};

type Config = {
  persistence: {
    numHistoryShards: number;
    datastores: Record<string, { sql: { connectAddr: string; databaseName: string }; faultInjection?: unknown }>;
  };
  services: Record<string, { rpc: Record<string, unknown> }>;
  publicClient: { hostPort: string };
};

describe('the config of a Temporal service of the services cluster', () => {
  it('puts both stores on the database address it is given (its link), with 4 shards and every service on its own ports', () => {
    const written = serviceConfig(config, { database: '127.0.0.1:6001' }) as Config;
    expect(written.persistence.numHistoryShards).toBe(4);
    expect(written.persistence.datastores.default!.sql).toMatchObject({ connectAddr: '127.0.0.1:6001', databaseName: 'temporal' });
    expect(written.persistence.datastores.visibility!.sql).toMatchObject({
      connectAddr: '127.0.0.1:6001',
      databaseName: 'temporal_visibility',
    });
    expect(written.persistence.datastores.default!.faultInjection).toBeUndefined();
    expect(written.services.history!.rpc).toEqual({ grpcPort: 7011, membershipPort: 7012, bindOnLocalHost: true });
    expect(written.services.frontend!.rpc).toEqual({ grpcPort: 7001, membershipPort: 7002, bindOnLocalHost: true, httpPort: 7003 });
    expect(written.publicClient.hostPort).toBe('127.0.0.1:7001');
  });

  it("points the internal worker's client at the frontend link it is given", () => {
    expect((serviceConfig(config, { database: '127.0.0.1:6001', frontend: '127.0.0.1:6002' }) as Config).publicClient.hostPort).toBe(
      '127.0.0.1:6002',
    );
  });

  it("writes persistence faults in the server's fault-injection shape, on the default store only", () => {
    const written = serviceConfig(config, {
      database: '127.0.0.1:6001',
      faults: { ExecutionStore: { UpdateWorkflowExecution: { ExecuteAndTimeout: 0.2 } } },
    }) as Config;
    expect(written.persistence.datastores.default!.faultInjection).toEqual({
      targets: { dataStores: { ExecutionStore: { methods: { UpdateWorkflowExecution: { errors: { ExecuteAndTimeout: 0.2 } } } } } },
    });
    expect(written.persistence.datastores.visibility!.faultInjection).toBeUndefined();
  });
});
