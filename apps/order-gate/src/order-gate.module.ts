import { DynamicModule, Module } from '@nestjs/common';
import { outboxLeaseMigration, ServiceInfrastructureModule } from '@app/messaging';
import { PartnerDirectory, ServiceConfig } from '@app/platform';
import { GATE_SETTINGS, GateSettings, loadGateSettings, ORDER_GATE_SCHEMA } from './config';
import { GATE_POLICY, OrderDecider } from './decision/order-decider';
import { OrdersRequestedConsumer } from './decision/orders-requested.consumer';
import { GateController } from './gate-api/gate.controller';
import { PolicyController } from './gate-api/policy.controller';
import { Foundation1763700000000 } from './migrations/1763700000000-foundation';
import { GateComplete1763950000000 } from './migrations/1763950000000-gate-complete';
import { FactOrdering1764310000000 } from './migrations/1764310000000-fact-ordering';
import { DecisionsForEveryOrder1764800000000 } from './migrations/1764800000000-decisions-for-every-order';
import { EnhancedAttestations1765100000000 } from './migrations/1765100000000-enhanced-attestations';
import { loadPolicy } from './policy/policy-loader';
import { FactsConsumer } from './projection/facts.consumer';
import { GatePartnerDirectory } from './projection/gate-partner-directory';

export { ORDER_GATE_SCHEMA };

export const ORDER_GATE_MIGRATIONS = [
  Foundation1763700000000,
  GateComplete1763950000000,
  outboxLeaseMigration(ORDER_GATE_SCHEMA),
  FactOrdering1764310000000,
  DecisionsForEveryOrder1764800000000,
  EnhancedAttestations1765100000000,
];

@Module({})
export class OrderGateModule {
  /** `settings` override what `env` says (tests); a bad variable throws a ConfigError naming it. */
  static forRoot(
    config: ServiceConfig,
    settings: Partial<GateSettings> = {},
    env: Record<string, string | undefined> = process.env,
  ): DynamicModule {
    // Read and validated at start: a bad ORDER_GATE_POLICY_FILE stops the service with its problems named.
    const policy = loadPolicy(env);
    const resolved: GateSettings = { ...loadGateSettings(env), ...settings };
    return {
      module: OrderGateModule,
      imports: [
        ServiceInfrastructureModule.forRoot(config, {
          schema: ORDER_GATE_SCHEMA,
          migrations: ORDER_GATE_MIGRATIONS,
        }),
      ],
      controllers: [GateController, PolicyController],
      providers: [
        { provide: GATE_POLICY, useValue: policy },
        { provide: GATE_SETTINGS, useValue: resolved },
        OrderDecider,
        FactsConsumer,
        OrdersRequestedConsumer,
        { provide: PartnerDirectory, useClass: GatePartnerDirectory },
      ],
    };
  }
}
