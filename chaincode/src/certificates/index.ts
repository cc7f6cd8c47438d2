import { CertificatesContract } from './contract';

export { CertificatesContract };
export { openIssuer } from './store';
