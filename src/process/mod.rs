//! Processes `vlab run` supervises: the signals vlab itself receives (`signal_flag`), and
//! children waited for with a deadline, to which those signals are passed on
//! (`supervised_child`). Nothing here knows what the children are: `commands::run` does.

pub mod signal_flag;
pub mod supervised_child;
