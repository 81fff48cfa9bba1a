import { DynamicModule, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Messaging, MessagingOptions, MESSAGING_OPTIONS } from './messaging.service';

@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: Messaging,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => new Messaging(options, dataSource),
        },
      ],
      exports: [Messaging],
    };
  }
}
