import { join } from 'node:path';
import type { WalletUser } from '@gridledger/network';
import { fileStamp, readJsonFile, withFileLock, writeFileAtomic } from './files';
import type { Wallet } from './ports';

export const walletIndexPath = (stateDir: string, org: string) => join(stateDir, 'gateway', org, 'wallet.json');
/** Where an identity onboarded at run time is enrolled (its fabric-ca-client home). */
export const userHome = (stateDir: string, org: string, userId: string) => join(stateDir, 'orgs', org, 'users', userId);

interface WalletFile {
  version: 1;
  users: Record<string, WalletUser>;
}

/**
 * The gateway's identities: the users `up` enrolled (the profile's `users`) and those onboarded at
 * run time, indexed in `<stateDir>/gateway/<org>/wallet.json` (certificate and key stay in their
 * MSP folders). The index is re-read when it changed.
 */
export class FileWallet implements Wallet {
  private users: Record<string, WalletUser> = {};
  private stamp: string | undefined = 'never read';

  constructor(
    private readonly profileUsers: Record<string, WalletUser>,
    readonly path: string,
  ) {}

  get(userId: string): WalletUser | undefined {
    if (Object.prototype.hasOwnProperty.call(this.profileUsers, userId)) return this.profileUsers[userId];
    if (!Object.prototype.hasOwnProperty.call(this.users, userId) && fileStamp(this.path) !== this.stamp) this.load();
    return Object.prototype.hasOwnProperty.call(this.users, userId) ? this.users[userId] : undefined;
  }

  put(user: WalletUser): void {
    withFileLock(this.path, () => {
      const file = readJsonFile<WalletFile>(this.path, { version: 1, users: {} });
      file.users[user.id] = user;
      writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
    });
    this.load();
  }

  remove(userId: string): void {
    withFileLock(this.path, () => {
      const file = readJsonFile<WalletFile>(this.path, { version: 1, users: {} });
      delete file.users[userId];
      writeFileAtomic(this.path, `${JSON.stringify(file, null, 2)}\n`);
    });
    this.load();
  }

  private load(): void {
    this.stamp = fileStamp(this.path);
    this.users = readJsonFile<WalletFile>(this.path, { version: 1, users: {} }).users;
  }
}

export class MemoryWallet implements Wallet {
  constructor(readonly users: Map<string, WalletUser> = new Map()) {}
  get(userId: string): WalletUser | undefined {
    return this.users.get(userId);
  }
  put(user: WalletUser): void {
    this.users.set(user.id, user);
  }
  remove(userId: string): void {
    this.users.delete(userId);
  }
}
