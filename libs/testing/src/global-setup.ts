import { ensureInfrastructure } from './infra';

export default async function globalSetup(): Promise<void> {
  await ensureInfrastructure();
}
