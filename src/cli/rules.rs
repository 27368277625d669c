//! `riskrate rules check|show`: validate a rules file, print the effective rules.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use riskrate::unstable::escape;
use riskrate::unstable::{Error, Rules};

use super::Exit;
use super::output::{Inputs, output};

const EXAMPLE: &str = "\
Examples:
  # Validate a changed copy of the rules; every problem is listed with file:line:col
  riskrate rules check scoring-rules/default.toml

  # Print the built-in default rules as TOML, to start a variant from
  riskrate rules show > my-rules.toml";

/// Check or show scoring rules.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLE)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Validate a rules file: exit 0 when valid, 2 with every problem listed.
    #[command(after_help = "Example:\n  riskrate rules check scoring-rules/default.toml")]
    Check {
        /// The rules file.
        file: PathBuf,
    },
    /// Print the effective rules (the default, or FILE's) as TOML.
    #[command(
        after_help = "Example:\n  riskrate rules show                 # the built-in default\n  riskrate rules show my-rules.toml"
    )]
    Show {
        /// A rules file; the built-in default when omitted.
        file: Option<PathBuf>,
        /// Write the rules to FILE instead of standard output (`-`); the rules file
        /// read is refused as the target.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

fn load(file: Option<&PathBuf>) -> Result<Rules, Error> {
    super::load_rules(file.map(PathBuf::as_path))
}

pub fn run(args: &RulesArgs) -> Result<Exit, Error> {
    match &args.command {
        RulesCommand::Check { file } => {
            let r = load(Some(file))?;
            output(None, &Inputs::new().file(Some(file)))?.write(|w| {
                writeln!(
                    w,
                    "ok: {}: rules {} v{} (sha256 {}): {} types, {} data classes, {} grades",
                    escape::terminal(&file.display().to_string()),
                    escape::terminal(r.name()),
                    escape::terminal(r.version()),
                    r.sha256(),
                    r.types().len(),
                    r.data_classes().len(),
                    r.grades().len()
                )
            })?;
            Ok(Exit::Ok)
        }
        RulesCommand::Show { file, output: to } => {
            let out = output(to.as_deref(), &Inputs::new().file(file.as_deref()))?;
            let r = load(file.as_ref())?;
            let origin = file.as_ref().map_or_else(
                || "built-in default".to_string(),
                |f| f.display().to_string(),
            );
            out.write(|w| {
                writeln!(
                    w,
                    "# Effective rules from {}: {} v{}, sha256 {}",
                    escape::terminal(&origin),
                    escape::terminal(r.name()),
                    escape::terminal(r.version()),
                    r.sha256()
                )?;
                w.write_all(r.to_toml().as_bytes())
            })?;
            Ok(Exit::Ok)
        }
    }
}
