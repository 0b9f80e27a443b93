-- Pull steps a worker runs before each run of the deployment (git clone, download, working directory, dotnet publish):
-- a JSON array, NULL for none.
ALTER TABLE deployments ADD COLUMN pull_steps TEXT;
