import { DynamicModule, Module } from '@nestjs/common';
import { ServiceInfrastructureModule } from '@app/messaging';
import { ServiceConfig } from '@app/platform';
import { OrdersRequestedConsumer } from './decision/orders-requested.consumer';
import { Foundation1763700000000 } from './migrations/1763700000000-foundation';
import { AcceptanceFactsConsumer } from './projection/acceptance-facts.consumer';

export const ORDER_GATE_SCHEMA = 'order_gate';

@Module({})
export class OrderGateModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: OrderGateModule,
      imports: [
        ServiceInfrastructureModule.forRoot(config, {
          schema: ORDER_GATE_SCHEMA,
          migrations: [Foundation1763700000000],
        }),
      ],
      providers: [AcceptanceFactsConsumer, OrdersRequestedConsumer],
    };
  }
}
