import { stopWhatTestsStarted } from './infra';

export default async function globalTeardown(): Promise<void> {
  stopWhatTestsStarted();
}
