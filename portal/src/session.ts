/** The API key of this tab: in sessionStorage only (gone with the tab), never in a URL or a log. */
const SLOT = 'gridledger.apiKey';

export const storedKey = (): string | undefined => sessionStorage.getItem(SLOT) ?? undefined;
export const storeKey = (key: string): void => sessionStorage.setItem(SLOT, key);
export const forgetKey = (): void => sessionStorage.removeItem(SLOT);
