/** The injection token of the checked ConsoleConfig. */
export const CONSOLE_CONFIG = 'CONSOLE_CONFIG';
