export { GridContract } from './contract';
