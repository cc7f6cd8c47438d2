import { CaClient, type NetworkProfile, type OrgName } from '@gridledger/network';
import { ErrorCodes, GridLedgerError, isRole } from '@gridledger/core/core';
import type { CaEnrollment, CaPort, CaRegistration } from '../ports';

/** The organization's Fabric CA through the network workspace's CaClient (fabric-ca-client). */
export class NetworkCa implements CaPort {
  private readonly client: CaClient;

  constructor(profile: NetworkProfile, org: OrgName) {
    const { url, name, rootCertPath, registrarHome } = profile.orgs[org].ca;
    this.client = new CaClient({ url, name, rootCertPath, registrarHome, binDir: profile.binDir });
  }

  async register(identity: CaRegistration): Promise<void> {
    if (!isRole(identity.role)) {
      throw new GridLedgerError(ErrorCodes.PARTICIPANT_ROLE_INVALID, `unknown role ${identity.role}`);
    }
    const { id, secret, role, participantId, agent } = identity;
    await this.client.register({ id, secret, role, type: identity.type ?? 'client', participantId, agent });
  }

  async remove(id: string): Promise<void> {
    await this.client.remove(id);
  }

  async enroll(id: string, secret: string, home: string): Promise<CaEnrollment> {
    const { certPath, keyPath } = await this.client.enroll(id, secret, home);
    return { certPath, keyPath };
  }
}
