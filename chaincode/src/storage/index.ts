export { StorageContract } from './contract';
