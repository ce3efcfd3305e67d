// Tests talk to loopback only: the @alicloud/credentials default chain must never ask the ECS metadata service
// (100.100.100.200) for a RAM role, in this process or in the processes it spawns with process.env.
// ALIBABA_CLOUD_ECS_METADATA_DISABLED is the switch that library reads
// (https://github.com/aliyun/credentials-nodejs, providers/ecs_ram_role).
process.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = 'true';
